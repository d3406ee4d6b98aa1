import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { EXIT, PiError } from '../errors.js';
import {
  normaliseKey,
  planOffsite,
  planOffsiteRestore,
  planOnsite,
  resolveProgram,
  type Change,
} from '../provision.js';
import {
  keyFingerprint,
  loadSigningKey,
  publicKeyBase64,
  signingKeyPath,
} from '../offsite/status-signing.js';
import type { CommandIo } from './common.js';

export const provisionHelp = `restray-pi provision offsite [--incoming DIR --push-key KEY [--push-user NAME]]
                             [--root DIR --restore-key KEY [--restore-user NAME]] [--dry-run]
  On the offsite Pi. Push mode: the push account (default restray-push), its incoming directory and its
  key, forced command rrsync -wo -no-del -no-overwrite DIR (add files only; no delete, no overwrite).
  Restore access: the restore account (default restray-restore) whose keys (a workstation's repository key)
  get read-only SFTP on the store root DIR (internal-sftp -R), to restore when the onsite Pi is gone;
  with --root the status signing key is made too (DIR/signing/status-ed25519.pem) and its fingerprint printed.

restray-pi provision onsite --repo DIR --workstation-key KEY --pull-key KEY --status-key KEY [options]

Sets up the onsite Pi (run as root) and prints every change; --dry-run prints them without applying.
  --repo DIR              restic repository (default /srv/restray/repo)
  --status-dir DIR        where the offsite Pi publishes offsite.json (default /srv/restray/status)
  --mode MODE             append-only (default: rclone serve restic --append-only as forced command)
                          or sftp (chrooted internal-sftp; restic can then delete, use only for confinement)
  --workstation-key KEY   public key (a line or a .pub file) of a workstation; repeatable
  --pull-key KEY          the offsite Pi's pull key (gets rrsync -ro on the repository and its listing)
  --status-key KEY        the offsite Pi's status key (may replace offsite.json in the status directory)
  --user NAME             workstation account (default restray); --pull-user (restray-pull);
                          --status-user (restray-status)
  --authorized-keys-dir D write <D>/<user> instead of ~user/.ssh/authorized_keys (for a custom AuthorizedKeysFile)
  --dry-run               print the changes only
Keys are added to existing authorized_keys files (a line for the same key is replaced); nothing else is removed.
Exit: 0 done (or nothing to do), 1 failed, 2 usage.`;

function readKey(v: string, flag: string): string {
  const line = v.includes(' ') ? v : readFileSync(v, 'utf8');
  return normaliseKey(line, flag);
}

export async function provisionCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      repo: { type: 'string', default: '/srv/restray/repo' },
      'status-dir': { type: 'string', default: '/srv/restray/status' },
      mode: { type: 'string', default: 'append-only' },
      'workstation-key': { type: 'string', multiple: true, default: [] },
      'pull-key': { type: 'string', multiple: true, default: [] },
      'status-key': { type: 'string', multiple: true, default: [] },
      user: { type: 'string', default: 'restray' },
      'pull-user': { type: 'string', default: 'restray-pull' },
      'status-user': { type: 'string', default: 'restray-status' },
      'authorized-keys-dir': { type: 'string' },
      'sshd-config-dir': { type: 'string', default: '/etc/ssh/sshd_config.d' },
      rclone: { type: 'string', default: 'rclone' },
      rrsync: { type: 'string', default: 'rrsync' },
      'dry-run': { type: 'boolean', default: false },
      incoming: { type: 'string' },
      'push-key': { type: 'string', multiple: true, default: [] },
      'push-user': { type: 'string', default: 'restray-push' },
      root: { type: 'string' },
      'restore-key': { type: 'string', multiple: true, default: [] },
      'restore-user': { type: 'string', default: 'restray-restore' },
      config: { type: 'string' },
    },
  });
  const akDir = values['authorized-keys-dir'];
  const akFile = (u: string, home: string) =>
    akDir ? join(akDir, u) : join(home, '.ssh', 'authorized_keys');
  if (positionals[0] === 'offsite' && positionals.length === 1) {
    const changes: Change[] = [];
    const pushKeys = values['push-key'];
    const restoreKeys = values['restore-key'];
    if (pushKeys.length === 0 && restoreKeys.length === 0)
      throw new PiError(
        'invalid-argument',
        'provision offsite: give --push-key (push mode) and/or --restore-key (restore access).',
      );
    if (pushKeys.length > 0) {
      const incoming = values.incoming;
      if (!incoming?.startsWith('/'))
        throw new PiError('invalid-argument', '--incoming: use an absolute path (offsite.incoming).');
      changes.push(
        ...(await planOffsite({
          incoming,
          pushUser: values['push-user'],
          pushKeys: pushKeys.map((k) => readKey(k, '--push-key')),
          rrsync: await resolveProgram(values.rrsync),
          authorizedKeysFile: akFile,
        })),
      );
    }
    if (restoreKeys.length > 0) {
      const root = values.root;
      if (!root?.startsWith('/'))
        throw new PiError('invalid-argument', '--root: use an absolute path (offsite.root).');
      changes.push(
        ...(await planOffsiteRestore({
          root,
          restoreUser: values['restore-user'],
          restoreKeys: restoreKeys.map((k) => readKey(k, '--restore-key')),
          authorizedKeysFile: akFile,
        })),
      );
      // The status signing key, made here rather than by the first sync so its fingerprint can be pinned now.
      if (!existsSync(signingKeyPath(root)))
        changes.push({
          describe: `create the status signing key ${signingKeyPath(root)} (mode 0600)`,
          apply: () => {
            const fp = keyFingerprint(publicKeyBase64(loadSigningKey(root)));
            io.out(
              `status key ${fp}: pin it on each workstation (restray repo offsite NAME --status-key ${fp})`,
            );
            return Promise.resolve();
          },
        });
    }
    return apply(changes, values['dry-run'], io, 'the offsite Pi is provisioned');
  }
  if (positionals[0] !== 'onsite' || positionals.length !== 1)
    throw new PiError(
      'invalid-argument',
      'usage: restray-pi provision onsite|offsite [options] (see --help)',
    );
  const mode = values.mode;
  if (mode !== 'append-only' && mode !== 'sftp')
    throw new PiError('invalid-argument', '--mode: use append-only or sftp.');
  for (const [flag, v] of [
    ['--repo', values.repo],
    ['--status-dir', values['status-dir']],
  ] as const)
    if (!v.startsWith('/')) throw new PiError('invalid-argument', `${flag}: use an absolute path.`);
  const changes = await planOnsite({
    repo: values.repo,
    statusDir: values['status-dir'],
    mode,
    user: values.user,
    pullUser: values['pull-user'],
    statusUser: values['status-user'],
    workstationKeys: values['workstation-key'].map((k) => readKey(k, '--workstation-key')),
    pullKeys: values['pull-key'].map((k) => readKey(k, '--pull-key')),
    statusKeys: values['status-key'].map((k) => readKey(k, '--status-key')),
    rclone: mode === 'append-only' ? await resolveProgram(values.rclone) : values.rclone,
    rrsync: await resolveProgram(values.rrsync),
    cat: await resolveProgram('cat'),
    authorizedKeysFile: akFile,
    sshdConfigDir: values['sshd-config-dir'],
  });
  if (changes.length === 0) {
    io.out('Nothing to change: the onsite Pi is provisioned.');
    return EXIT.ok;
  }
  for (const c of changes) {
    io.out(`${values['dry-run'] ? 'would ' : ''}${c.describe}`);
    if (!values['dry-run']) await c.apply();
  }
  if (!values['dry-run'] && mode === 'sftp') io.out('Reload sshd to apply the drop-in: systemctl reload ssh');
  return EXIT.ok;
}

async function apply(changes: Change[], dryRun: boolean, io: CommandIo, done: string): Promise<number> {
  if (changes.length === 0) {
    io.out(`Nothing to change: ${done}.`);
    return EXIT.ok;
  }
  for (const c of changes) {
    io.out(`${dryRun ? 'would ' : ''}${c.describe}`);
    if (!dryRun) await c.apply();
  }
  return EXIT.ok;
}
