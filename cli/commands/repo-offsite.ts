import type { Command } from 'commander';
import { RestrayError } from '../../core/errors.js';
import { findRepository } from '../../core/engine/repo-context.js';
import { printJson, type CliContext } from '../cli-context.js';
import { intOption } from '../options.js';
import { readSecret } from '../read-secret.js';

interface OffsiteOptions {
  statusUser?: string;
  status: boolean;
  host?: string;
  port?: number;
  user?: string;
  path?: string;
  fingerprint?: string;
  statusKey?: string;
  restore: boolean;
  json?: boolean;
}

/**
 * `restray repo password NAME` (a lost keychain entry) and `restray repo offsite NAME …` (the setup wizard's
 * offsite step for the CLI: the provisioning command and host key first, then a tested save).
 */
export function registerRepoOffsite(repo: Command, ctx: CliContext): void {
  repo
    .command('password <name>')
    .description(
      'store the password of a configured repository in the keychain (read from standard input; checked first)',
    )
    .action(async (name: string) => {
      const engine = await ctx.engine();
      findRepository(engine.getConfig(), name);
      const password = await readSecret(ctx.stdin, (t) => ctx.err.write(t));
      await engine.storePassword(name, password);
      ctx.out.write(`The password opens "${name}" and is now in the keychain.\n`);
    });

  repo
    .command('offsite <name>')
    .description(
      'connect a Pi repository to its offsite Pi: the onsite status account and read-only restore access',
    )
    .option(
      '--status-user <user>',
      "the onsite Pi's status account (default: as configured, or restray-status)",
    )
    .option('--no-status', 'no offsite status (no offsite Pi)')
    .option('--host <host>', 'the offsite Pi, for restores when the onsite Pi is gone')
    .option('--port <port>', "the offsite Pi's SSH port (default 22)", intOption(1, 65535))
    .option('--user <user>', 'restore account on the offsite Pi (default: as configured, or restray-restore)')
    .option(
      '--path <dir>',
      'offsite store folder that holds generations/ (default: as configured, or /srv/restray-offsite)',
    )
    .option(
      '--fingerprint <sha256>',
      "the offsite Pi's host key fingerprint you compared (without it: print the command and the fingerprint)",
    )
    .option(
      '--status-key <fingerprint|line>',
      "pin the offsite Pi's status key: its line from `restray-pi setup offsite` or the fingerprint `restray-pi status --signing-key` prints there (`none` removes the pin)",
    )
    .option('--no-restore', 'remove the restore access')
    .option('--json', 'print the result as JSON')
    .action(async (name: string, o: OffsiteOptions) => {
      const engine = await ctx.engine();
      const setup = engine.setup;
      const current = findRepository(engine.getConfig(), name);
      const host = o.host ?? current.offsite?.host;
      const port = o.port ?? (o.host === undefined ? current.offsite?.port : undefined) ?? 22;
      // Not given: as configured (pinning a key alone must not reset the restore access to the defaults).
      const endpoint = {
        user: o.user ?? current.offsite?.user ?? 'restray-restore',
        path: o.path ?? current.offsite?.path ?? '/srv/restray-offsite',
      };
      if (o.restore && o.host !== undefined && o.fingerprint === undefined) {
        const command = await setup.offsiteCommand({ repo: name, ...endpoint });
        const [key] = await setup.scanHostKey({ host: o.host, port });
        if (o.json) printJson(ctx, { ...command, hostKey: key, saved: false });
        else
          ctx.out.write(
            `1. Run on the offsite Pi (as an administrator):\n\n   ${command.provisionCommand}\n\n` +
              `2. Compare the offsite Pi's host key there (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub):\n\n` +
              `   ${key?.type} ${key?.fingerprint}\n\n` +
              `3. If it matches, run this command again with --fingerprint ${key?.fingerprint}\n` +
              '   and with --status-key and the fingerprint `restray-pi status --signing-key` shows on the offsite Pi\n' +
              '   (then only statuses the offsite Pi signed are trusted).\n' +
              'Nothing was saved yet.\n',
          );
        return;
      }
      if (o.restore && o.fingerprint !== undefined) {
        if (host === undefined)
          throw new RestrayError('invalid-argument', '--fingerprint: give the offsite Pi with --host too.');
        await setup.confirmHostKey({ repo: name, host, port, fingerprint: o.fingerprint, hop: 'offsite' });
      }
      const report = await engine.setOffsite({
        repo: name,
        statusUser: o.status ? (o.statusUser ?? current.offsiteStatusUser ?? 'restray-status') : null,
        access: o.restore && host !== undefined ? { host, port, ...endpoint } : null,
        ...(o.statusKey === undefined ? {} : { statusKey: o.statusKey === 'none' ? null : o.statusKey }),
      });
      if (o.json) return printJson(ctx, { ...report, saved: true });
      const lines = [`Saved the offsite settings of "${name}".`];
      if (o.restore && host !== undefined)
        lines.push(`The offsite Pi ${host} holds ${report.generations} verified generation(s).`);
      if (report.notes.includes('status-not-published-yet'))
        lines.push('The offsite Pi has not published a status yet (normal before its first sync).');
      if (report.notes.includes('no-generations-yet'))
        lines.push(
          'The offsite store has no verified generation yet (normal before its first sync; otherwise check --path).',
        );
      const pinned = engine.getConfig().repositories.find((r) => r.name === name)?.offsiteStatusKey;
      if (pinned) lines.push(`Only statuses signed by the offsite Pi's key ${pinned} are trusted.`);
      if (report.notes.includes('status-not-signed'))
        lines.push(
          'The offsite status is not signed yet: update restray-pi on the offsite Pi (until then its status is unknown).',
        );
      if (report.notes.includes('status-key-not-pinned'))
        lines.push(
          'The offsite status is not signed by a pinned key: run `restray-pi status --signing-key` on the offsite Pi and pass the fingerprint it shows with --status-key.',
        );
      ctx.out.write(`${lines.join('\n')}\n`);
    });
}
