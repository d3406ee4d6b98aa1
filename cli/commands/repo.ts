import type { Command } from 'commander';
import { RestrayError } from '../../core/errors.js';
import { parseRepoUrl } from '../../core/ssh/repo-args.js';
import { printJson, type CliContext } from '../cli-context.js';
import { cliText } from '../cli-text.js';
import { intOption } from '../options.js';
import { readSecret } from '../read-secret.js';
import { registerRepoOffsite } from './repo-offsite.js';

/** `restray repo add|init|list|password|offsite`. */
export function registerRepo(program: Command, ctx: CliContext): void {
  const repo = program.command('repo').description('manage repositories (where snapshots are stored)');

  repo
    .command('add <name>')
    .description(
      'add a repository; the password is read from standard input, checked against an existing repository, and stored in the OS keychain',
    )
    .requiredOption('--url <url>', 'a local folder, sftp:user@host:/path, or sftp://user@host:port//path')
    .option('--ssh-key <path>', "private key for the Pi (ssh targets; Restray's generated key)")
    .option('--known-hosts <path>', "known_hosts file with the Pi's pinned host key (ssh targets)")
    .option('--port <port>', 'SSH port', intOption(1, 65535))
    .option('--append-only', 'the Pi serves the repository append-only (rclone serve restic --append-only)')
    .option('--init', 'also create the repository (restic init)')
    .option('--json', 'print the result as JSON')
    .action(
      async (
        name: string,
        o: {
          url: string;
          sshKey?: string;
          knownHosts?: string;
          port?: number;
          appendOnly?: boolean;
          init?: boolean;
          json?: boolean;
        },
      ) => {
        const target = parseRepoUrl(o.url, {
          ...(o.appendOnly ? { appendOnly: true } : {}),
          ...(o.sshKey ? { sshKey: o.sshKey } : {}),
          ...(o.knownHosts ? { knownHosts: o.knownHosts } : {}),
          ...(o.port ? { port: o.port } : {}),
        });
        const password = await readSecret(ctx.stdin, (t) => ctx.err.write(t));
        const engine = await ctx.engine();
        // An existing repository must open with the password before it is stored; where there is none yet
        // the repository is added for a later `repo init`.
        let notThereYet = false;
        const added = await engine
          .addRepository({ name, target }, password, o.init ? { init: true } : { verify: true })
          .catch(async (e: unknown) => {
            if (o.init || !(e instanceof RestrayError) || e.kind !== 'repo-not-found') throw e;
            notThereYet = true;
            return engine.addRepository({ name, target }, password);
          });
        if (o.json) printJson(ctx, { repository: added, ...(notThereYet ? { initialised: false } : {}) });
        else
          ctx.out.write(
            `${
              notThereYet
                ? cliText(ctx.lang).repoAddedNotThere(added.name)
                : cliText(ctx.lang).repoAdded(added.name, o.init === true)
            }\n`,
          );
      },
    );

  repo
    .command('init <name>')
    .description('create the restic repository of a configured repository')
    .action(async (name: string) => {
      await (await ctx.engine()).initRepository(name);
      ctx.out.write(`${cliText(ctx.lang).repoInitialised(name)}\n`);
    });

  repo
    .command('list')
    .description('list configured repositories')
    .option('--json', 'print JSON')
    .option('--keychain', 'also ask the keychain whether it holds each password')
    .action(async (o: { json?: boolean; keychain?: boolean }) => {
      const state = await (await ctx.engine()).getState({ keychain: o.keychain === true });
      const rows = state.config.repositories.map((r) => {
        const hasPassword = state.repos.find((s) => s.name === r.name)?.hasPassword;
        return { ...r, ...(hasPassword === undefined ? {} : { hasPassword }) };
      });
      if (o.json) printJson(ctx, rows);
      else
        for (const r of rows)
          ctx.out.write(
            `${r.name}\t${r.target.kind}\t${r.target.path}${r.hasPassword === false ? '\t(no password in keychain)' : ''}\n`,
          );
    });

  registerRepoOffsite(repo, ctx);
}
