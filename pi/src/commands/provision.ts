import { execa } from 'execa';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chownSync } from 'node:fs';
import { OFFSITE_ACCOUNT, PUSH_ACCOUNT, RESTORE_ACCOUNT } from '../accounts.js';
import { EXIT, PiError } from '../errors.js';
import {
  normaliseKey,
  planOffsite,
  planOffsiteRestore,
  planOffsiteStore,
  planOnsite,
  resolveProgram,
  type Change,
} from '../provision.js';
import { provisionLang, validateProvisionValues, type ProvisionLang } from '../provision-validate.js';
import {
  keyFingerprint,
  loadSigningKey,
  publicKeyBase64,
  signingKeyPath,
} from '../offsite/status-signing.js';
import type { CommandIo } from './common.js';

export const provisionHelp = `restray-pi provision offsite [--incoming DIR --push-key KEY [--push-user NAME]]
                             [--root DIR [--offsite-user NAME] [--restore-key KEY [--restore-user NAME]]]
                             [--dry-run]
  On the offsite Pi. Push mode: the push account (default ${PUSH_ACCOUNT}, the run account), its incoming
  directory and its key, forced command rrsync -wo -no-del -no-overwrite DIR (add files only; no delete, no
  overwrite). The store DIR: owned by root (mode 755), its folders (generations, state, staging, trash,
  signing) by the run account (--offsite-user, default ${OFFSITE_ACCOUNT}) that sync, reverify and prune run
  as; never root.
  Restore access: the restore account (default ${RESTORE_ACCOUNT}, one per repository) whose keys (a
  workstation's repository key) get read-only SFTP (internal-sftp -R) chrooted into DIR by an sshd drop-in,
  to restore when the onsite Pi is gone; with --root the status signing key is made too
  (DIR/signing/status-ed25519.pem) and its fingerprint printed.

restray-pi provision onsite --repo DIR --workstation-key KEY --pull-key KEY --status-key KEY [options]

Sets up the onsite Pi (run as root) and prints every change; --dry-run prints them without applying.
  --repo DIR              restic repository (default /srv/restray/repo)
  --status-dir DIR        where the offsite Pi publishes offsite.json (default /srv/restray/status)
  --mode MODE             append-only (default: rclone serve restic --append-only as forced command)
                          or sftp (chrooted internal-sftp forced on each key; restic can then delete, use
                          only for confinement; one --user per repository)
  --workstation-key KEY   public key (a line or a .pub file) of a workstation; repeatable
  --pull-key KEY          the offsite Pi's pull key (gets rrsync -ro on the repository and its listing)
  --status-key KEY        the offsite Pi's status key (may replace offsite.json in the status directory)
  --user NAME             workstation account (default restray); --pull-user (restray-pull);
                          --status-user (restray-status)
  --authorized-keys-dir D write <D>/<user> instead of ~user/.ssh/authorized_keys (for a custom AuthorizedKeysFile)
  --dry-run               print the changes only
Keys are added to existing authorized_keys files (a line for the same key is replaced); nothing else is removed.
Every name and path is checked first (absolute paths without control characters, Debian account names); a bad
one is an error (German with a German locale) and nothing is changed.
Exit: 0 done (or nothing to do), 1 failed, 2 usage.`;

function readKey(v: string, flag: string, lang: ProvisionLang): string {
  const line = v.includes(' ') ? v : readFileSync(v, 'utf8');
  return normaliseKey(line, flag, lang);
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
      'push-user': { type: 'string', default: PUSH_ACCOUNT },
      root: { type: 'string' },
      'offsite-user': { type: 'string', default: OFFSITE_ACCOUNT },
      'restore-key': { type: 'string', multiple: true, default: [] },
      'restore-user': { type: 'string', default: RESTORE_ACCOUNT },
      config: { type: 'string' },
    },
  });
  const lang = provisionLang(io.env);
  const akDir = values['authorized-keys-dir'];
  validateProvisionValues(
    [
      ...(akDir === undefined
        ? []
        : [{ flag: '--authorized-keys-dir', kind: 'path' as const, value: akDir }]),
      { flag: '--sshd-config-dir', kind: 'path', value: values['sshd-config-dir'] },
    ],
    lang,
  );
  const akFile = (u: string, home: string) =>
    akDir ? join(akDir, u) : join(home, '.ssh', 'authorized_keys');
  if (positionals[0] === 'offsite' && positionals.length === 1) {
    const changes: Change[] = [];
    const pushKeys = values['push-key'];
    const restoreKeys = values['restore-key'];
    if (pushKeys.length === 0 && values.root === undefined)
      throw new PiError(
        'invalid-argument',
        'provision offsite: give --push-key (push mode) and/or --root (the store, with --restore-key for restore access).',
      );
    if (restoreKeys.length > 0 && values.root === undefined)
      throw new PiError('invalid-argument', '--restore-key needs --root (offsite.root).');
    if (pushKeys.length > 0) {
      const incoming = values.incoming;
      if (incoming === undefined)
        throw new PiError('invalid-argument', '--incoming: use an absolute path (offsite.incoming).');
      changes.push(
        ...(await planOffsite({
          incoming,
          pushUser: values['push-user'],
          pushKeys: pushKeys.map((k) => readKey(k, '--push-key', lang)),
          rrsync: await resolveProgram(values.rrsync),
          authorizedKeysFile: akFile,
          lang,
        })),
      );
    }
    const root = values.root;
    if (root !== undefined) {
      const offsiteUser = values['offsite-user'];
      changes.push(...(await planOffsiteStore({ root, offsiteUser, lang })));
      if (restoreKeys.length > 0)
        changes.push(
          ...(await planOffsiteRestore({
            root,
            restoreUser: values['restore-user'],
            restoreKeys: restoreKeys.map((k) => readKey(k, '--restore-key', lang)),
            authorizedKeysFile: akFile,
            sshdConfigDir: values['sshd-config-dir'],
            lang,
          })),
        );
      // The status signing key, made here rather than by the first sync so its fingerprint can be pinned now.
      if (!existsSync(signingKeyPath(root)))
        changes.push({
          describe: `create the status signing key ${signingKeyPath(root)} (mode 0600)`,
          apply: async () => {
            const fp = keyFingerprint(publicKeyBase64(loadSigningKey(root)));
            // The run account signs each status: the key is its own (still 0600).
            const u = (await execa('id', ['-u', offsiteUser])).stdout;
            const g = (await execa('id', ['-g', offsiteUser])).stdout;
            chownSync(signingKeyPath(root), Number(u), Number(g));
            io.out(
              `status key ${fp}: pin it on each workstation (restray repo offsite NAME --status-key ${fp})`,
            );
          },
        });
    }
    const code = await apply(changes, values['dry-run'], io, 'the offsite Pi is provisioned');
    if (!values['dry-run'] && restoreKeys.length > 0 && changes.length > 0)
      io.out('Reload sshd to apply the drop-in: systemctl reload ssh');
    return code;
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
    lang,
    repo: values.repo,
    statusDir: values['status-dir'],
    mode,
    user: values.user,
    pullUser: values['pull-user'],
    statusUser: values['status-user'],
    workstationKeys: values['workstation-key'].map((k) => readKey(k, '--workstation-key', lang)),
    pullKeys: values['pull-key'].map((k) => readKey(k, '--pull-key', lang)),
    statusKeys: values['status-key'].map((k) => readKey(k, '--status-key', lang)),
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
