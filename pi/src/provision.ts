import { execa } from 'execa';
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { NO_LOGIN_SHELL, OFFSITE_ACCOUNT } from './accounts.js';
import { PiError } from './errors.js';
import { writeFileAtomic } from './fs-util.js';
import { CONTROL, validateProvisionValues, type ProvisionLang } from './provision-validate.js';
import { REPO_LIST } from './repo-files.js';
import { STATUS_PUT } from './offsite/status.js';

/** What `provision onsite` sets up. Paths absolute; key lines are OpenSSH public keys (`ssh-ed25519 AAAA… c`). */
export interface OnsitePlanInput {
  /** The restic repository (created by the first `restic init` from a workstation, or already there). */
  repo: string;
  /** Holds offsite.json, written by the offsite Pi's status key and read by workstation keys. */
  statusDir: string;
  mode: 'append-only' | 'sftp';
  /** Account workstations log in as (repository owner). */
  user: string;
  /** Account the offsite Pi pulls with (read-only, member of the repository group). */
  pullUser: string;
  /** Account that owns the status directory. */
  statusUser: string;
  workstationKeys: string[];
  pullKeys: string[];
  statusKeys: string[];
  /** Tools the forced commands run (absolute, resolved at provisioning time). */
  rclone: string;
  rrsync: string;
  cat: string;
  /** authorized_keys location per user; default `~user/.ssh/authorized_keys`. Tests point it at the lab sshd. */
  authorizedKeysFile: (user: string, home: string) => string;
  /** Directory for the sshd drop-in of the sftp mode. */
  sshdConfigDir: string;
  /** Language of validation errors (default English; the command takes it from the locale). */
  lang?: ProvisionLang;
}

/** One change, printed by --dry-run and applied otherwise. */
export interface Change {
  describe: string;
  apply: () => Promise<void>;
}

const KEY =
  /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com) [A-Za-z0-9+/=]+( .*)?$/;

const keyText = {
  en: {
    lines: 'give one key line, without control characters or line breaks',
    key: 'not an OpenSSH public key line (ssh-ed25519 AAAA…)',
    quote: 'the key comment may not contain quotes',
    nothing: 'nothing was changed',
  },
  de: {
    lines: 'genau eine Schlüsselzeile angeben, ohne Steuerzeichen oder Zeilenumbrüche',
    key: 'keine öffentliche OpenSSH-Schlüsselzeile (ssh-ed25519 AAAA…)',
    quote: 'der Kommentar des Schlüssels darf keine Anführungszeichen enthalten',
    nothing: 'nichts wurde geändert',
  },
};

/**
 * Validates a public key line and strips options a caller may have pasted (the forced command is ours to set).
 * Throws PiError `invalid-argument` naming the flag (in `lang`, default English): for anything but one key line
 * (a second line would be a key line of its own), a line that is no OpenSSH public key, a comment with quotes.
 */
export function normaliseKey(line: string, flag: string, lang: ProvisionLang = 'en'): string {
  const t = line.trim();
  const fail = (why: 'lines' | 'key' | 'quote') =>
    new PiError('invalid-argument', `${flag}: ${keyText[lang][why]}; ${keyText[lang].nothing}.`);
  if (CONTROL.test(t)) throw fail('lines');
  const m = /(ssh-ed25519|ssh-rsa|ecdsa-sha2-\S+|sk-\S+) [A-Za-z0-9+/=]+( [^\n]*)?$/.exec(t);
  const key = m ? m[0] : t;
  if (!KEY.test(key)) throw fail('key');
  if (key.includes('"')) throw fail('quote');
  return key;
}

const q = (s: string) => (/^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** The authorized_keys lines, one per account. `restrict` turns off forwarding, PTY, agent and user rc. */
export function authorizedKeyLines(
  i: Pick<
    OnsitePlanInput,
    | 'mode'
    | 'repo'
    | 'statusDir'
    | 'workstationKeys'
    | 'pullKeys'
    | 'statusKeys'
    | 'rclone'
    | 'rrsync'
    | 'cat'
    | 'user'
    | 'pullUser'
    | 'statusUser'
  >,
): Record<string, string[]> {
  const workstation =
    i.mode === 'append-only'
      ? i.workstationKeys.map(
          (k) => `command="${i.rclone} serve restic --stdio --append-only ${q(i.repo)}",restrict ${k}`,
        )
      : // sftp: each key line forces internal-sftp itself, so a key never gets a shell even where the drop-in
        // (ChrootDirectory, the same ForceCommand) is not loaded yet; the drop-in adds the chroot.
        i.workstationKeys.map((k) => `command="internal-sftp -d ${sftpStart(i.repo)}",restrict ${k}`);
  return {
    [i.user]: workstation,
    [i.pullUser]: i.pullKeys.map((k) => `command="${esc(pullCommand(i.rrsync, i.repo))}",restrict ${k}`),
    [i.statusUser]: [
      ...i.statusKeys.map((k) => `command="${esc(statusPutCommand(i.statusDir))}",restrict ${k}`),
      // Workstations read the published document and nothing else.
      ...i.workstationKeys.map(
        (k) => `command="${i.cat} ${q(join(i.statusDir, 'offsite.json'))}",restrict ${k}`,
      ),
    ],
  };
}

/** A forced command as written inside `command="…"` (sshd takes a double quote escaped by a backslash). */
const esc = (command: string) => command.replace(/"/g, '\\"');

/**
 * The listing's first record: `cpu aes` when this CPU has AES instructions (the word in /proc/cpuinfo's x86
 * flags or ARM Features), else `cpu ` (see cipher.ts; an older forced command sends no such record).
 */
const CPU_RECORD = `if grep -qw aes /proc/cpuinfo 2>/dev/null; then printf 'cpu aes\\0'; else printf 'cpu \\0'; fi`;

/**
 * The offsite pull key's forced command (a POSIX shell line): `rrsync -ro` on the repository for every rsync
 * request, and for the command `restray-list` a find(1) listing of the repository in the consistency order (see
 * REPO_LIST): names, sizes and times only, what `rsync --list-only` shows too, without starting rrsync (Python),
 * after one record saying whether the onsite CPU has AES instructions (nothing about files or keys).
 */
export function pullCommand(rrsync: string, repo: string): string {
  return [
    `if test "$SSH_ORIGINAL_COMMAND" = ${REPO_LIST}`,
    `then cd ${q(repo)} && { ${CPU_RECORD}; exec find snapshots index keys config locks data -type f -printf '%s %T@ %p\\0'; }`,
    `else exec ${rrsync} -ro ${q(repo)}`,
    'fi',
  ].join('; ');
}

/**
 * The offsite status key's forced command (a POSIX shell line): for the command `restray-put-status` it reads a
 * length line and then the document from stdin, writes it to a temp file and renames that over offsite.json only
 * when it is complete, so a cut upload replaces nothing. The key can replace that one file and nothing else; any
 * other command is refused. No rsync (rrsync is Python: its start would cost more than the whole upload).
 */
export function statusPutCommand(statusDir: string): string {
  const tmp = `${q(statusDir)}/.offsite.json.new`;
  return [
    `test "$SSH_ORIGINAL_COMMAND" = ${STATUS_PUT}`,
    'umask 022',
    'read -r n',
    `head -c "$n" >${tmp}`,
    `test "$(wc -c <${tmp})" -eq "$n"`,
    `mv -f ${tmp} ${q(join(statusDir, 'offsite.json'))}`,
  ].join(' && ');
}

/** The repository as the chrooted sftp account sees it: /<basename> (the chroot is its parent). */
function sftpStart(repo: string): string {
  const t = repo.replace(/\/+$/, '');
  const parent = dirname(t);
  return parent === '/' ? t : t.slice(parent.length);
}

/** The drop-in file that holds an account's Match block (one file per account, so one repository per account). */
export function dropInPath(sshdConfigDir: string, user: string): string {
  return join(sshdConfigDir, `restray-${user}.conf`);
}

/** sshd drop-in for the sftp mode: chroot to the repository's parent, repository at /<basename>. */
export function sftpDropIn(i: Pick<OnsitePlanInput, 'user' | 'repo'>): string {
  const parent = dirname(i.repo);
  const base = sftpStart(i.repo);
  return [
    '# Managed by restray-pi provision onsite: workstation account confined to the repository.',
    `Match User ${i.user}`,
    `    ChrootDirectory ${parent}`,
    `    ForceCommand internal-sftp -d ${base}`,
    '    AllowTcpForwarding no',
    '    AllowAgentForwarding no',
    '    X11Forwarding no',
    '    PermitTunnel no',
    '    PermitTTY no',
    '',
  ].join('\n');
}

/**
 * The Match block an existing drop-in gives `user` when it confines the account to another place than `want`
 * does (so the account already serves another repository or store), else undefined. Pure.
 */
function otherConfinement(existing: string | undefined, want: string): string | undefined {
  if (existing === undefined || existing === want) return undefined;
  const place = (t: string) =>
    /ChrootDirectory (\S+)\n\s+ForceCommand internal-sftp (.*)/.exec(t)?.slice(1).join(' ');
  return place(existing) === place(want) ? undefined : (place(existing) ?? 'an unknown place');
}

/** The error for an account that already serves another repository (one account per repository). */
function sharedAccount(user: string, flag: string, other: string, lang: ProvisionLang): PiError {
  return new PiError(
    'invalid-argument',
    lang === 'de'
      ? `${flag} ${user}: dieses Konto dient schon ${other}; jedes Repository braucht sein eigenes Konto (anderen ${flag} angeben); nichts wurde geändert.`
      : `${flag} ${user}: this account already serves ${other}; each repository needs its own account (give another ${flag}); nothing was changed.`,
  );
}

/**
 * The problem with `path` as an sshd ChrootDirectory: sshd wants it and every folder above it owned by root and
 * writable by nobody else. Folders that do not exist yet are fine (provision creates them root-owned, 0755).
 * Returns the first offending folder, or undefined.
 */
export function chrootProblem(path: string): string | undefined {
  for (let d = path; ; d = dirname(d)) {
    const st = statSync(d, { throwIfNoEntry: false });
    if (st && (st.uid !== 0 || (st.mode & 0o022) !== 0) && d !== path) return d;
    if (d === '/') return undefined;
  }
}

/** Merges managed lines into an authorized_keys file: a line for the same key blob is replaced, others kept. */
export function mergeAuthorizedKeys(existing: string, lines: string[]): string {
  const blob = (l: string) =>
    /(?:^|\s)(?:ssh-ed25519|ssh-rsa|ecdsa-sha2-\S+|sk-\S+) ([A-Za-z0-9+/=]+)/.exec(l)?.[1];
  const ours = new Set(lines.map(blob));
  const kept = existing.split('\n').filter((l) => l.trim() !== '' && !ours.has(blob(l)));
  return [...kept, ...lines].join('\n') + '\n';
}

/** The account's uid, gid and home (getent), or undefined when it does not exist. Reads only. */
export async function userInfo(
  user: string,
): Promise<{ uid: number; gid: number; home: string } | undefined> {
  const r = await execa('getent', ['passwd', user], { reject: false });
  if (r.exitCode !== 0) return undefined;
  const f = String(r.stdout).split(':');
  return { uid: Number(f[2]), gid: Number(f[3]), home: f[5]! };
}

async function groupExists(g: string): Promise<boolean> {
  return (await execa('getent', ['group', g], { reject: false })).exitCode === 0;
}

/**
 * Computes the changes that bring the onsite Pi to the wanted state, reading the current state (users, groups,
 * directories, authorized_keys) but changing nothing. Each change describes itself for --dry-run. Idempotent:
 * a second run on a provisioned Pi yields no changes.
 */
export async function planOnsite(i: OnsitePlanInput): Promise<Change[]> {
  validateProvisionValues(
    [
      { flag: '--repo', kind: i.mode === 'sftp' ? 'sshd-path' : 'path', value: i.repo },
      { flag: '--status-dir', kind: 'path', value: i.statusDir },
      { flag: '--user', kind: 'account', value: i.user },
      { flag: '--pull-user', kind: 'account', value: i.pullUser },
      { flag: '--status-user', kind: 'account', value: i.statusUser },
      { flag: '--rrsync', kind: 'program', value: i.rrsync },
      { flag: 'cat', kind: 'program', value: i.cat },
      ...(i.mode === 'append-only' ? [{ flag: '--rclone', kind: 'program' as const, value: i.rclone }] : []),
      { flag: '--sshd-config-dir', kind: 'path', value: i.sshdConfigDir },
    ],
    i.lang,
  );
  if (new Set([i.user, i.pullUser, i.statusUser]).size !== 3)
    throw new PiError(
      'invalid-argument',
      i.lang === 'de'
        ? '--user, --pull-user und --status-user müssen drei verschiedene Konten sein; nichts wurde geändert.'
        : '--user, --pull-user and --status-user must be three different accounts; nothing was changed.',
    );
  if (i.mode === 'sftp') {
    const file = dropInPath(i.sshdConfigDir, i.user);
    const other = otherConfinement(existsSync(file) ? readFileSync(file, 'utf8') : undefined, sftpDropIn(i));
    if (other) throw sharedAccount(i.user, '--user', other, i.lang ?? 'en');
  }
  const changes: Change[] = [];
  const group = i.user;
  if (!(await groupExists(group)))
    changes.push({
      describe: `create group ${group} (read access to the repository)`,
      apply: async () => void (await execa('groupadd', ['--system', group])),
    });
  const accounts: [string, string, string[]][] = [
    [i.user, `/var/lib/${i.user}`, []],
    [i.pullUser, `/var/lib/${i.pullUser}`, [group]],
    [i.statusUser, `/var/lib/${i.statusUser}`, []],
  ];
  const homes: Record<string, string> = {};
  for (const [u, home, groups] of accounts) {
    const info = await userInfo(u);
    homes[u] = info?.home ?? home;
    if (!info) {
      const args = [
        '--system',
        '--create-home',
        '--home-dir',
        home,
        '--shell',
        '/bin/sh',
        ...(u === i.user ? ['--gid', group] : []),
        ...(groups.length ? ['--groups', groups.join(',')] : []),
        u,
      ];
      changes.push({
        // A shell is needed to run forced commands; `restrict` plus the forced command keep it from being usable.
        describe: `create account ${u} (home ${home}, key login only${groups.length ? `, groups ${groups.join(',')}` : ''})`,
        apply: async () => {
          await execa('useradd', args);
          // '*' = no password but not "locked": sshd without PAM refuses key logins to '!'-locked accounts.
          await execa('usermod', ['-p', '*', u]);
        },
      });
    } else if (groups.length) {
      const r = await execa('id', ['-nG', u], { reject: false });
      const missing = groups.filter((g) => !String(r.stdout).split(/\s+/).includes(g));
      if (missing.length)
        changes.push({
          describe: `add ${u} to groups ${missing.join(',')}`,
          apply: async () => void (await execa('usermod', ['-aG', missing.join(','), u])),
        });
    }
  }
  const dirChange = async (
    path: string,
    owner: string,
    grp: string,
    mode: number,
    why: string,
  ): Promise<void> => {
    const want = `${path} owned by ${owner}:${grp} mode ${mode.toString(8)}`;
    const u = await userInfo(owner);
    const g = await execa('getent', ['group', grp], { reject: false });
    const gid = g.exitCode === 0 ? Number(String(g.stdout).split(':')[2]) : undefined;
    if (existsSync(path)) {
      const st = statSync(path);
      if ((st.mode & 0o7777) === mode && st.uid === u?.uid && st.gid === gid) return;
    }
    changes.push({
      describe: `${existsSync(path) ? 'set' : 'create'} ${want} (${why})`,
      apply: async () => {
        mkdirSync(path, { recursive: true });
        const uu = await userInfo(owner);
        const gg = Number(String((await execa('getent', ['group', grp])).stdout).split(':')[2]);
        chownSync(path, uu!.uid, gg);
        chmodSync(path, mode);
      },
    });
  };
  if (i.mode === 'sftp' && !existsSync(dirname(i.repo)))
    changes.push({
      describe: `create ${dirname(i.repo)} owned by root, mode 755 (sftp chroot)`,
      apply: async () => void mkdirSync(dirname(i.repo), { recursive: true, mode: 0o755 }),
    });
  // setgid: files restic/rclone create inherit the group, so the pull account can read them; no access for others.
  await dirChange(
    i.repo,
    i.user,
    group,
    0o2750,
    'repository; group-readable for the pull account, closed to others',
  );
  await dirChange(
    i.statusDir,
    i.statusUser,
    i.statusUser,
    0o755,
    'offsite status; written by the offsite status key',
  );

  for (const [u, want] of Object.entries(authorizedKeyLines(i)))
    changes.push(...authorizedKeysChange(u, homes[u]!, want, i.authorizedKeysFile));
  if (i.mode === 'sftp') {
    const file = dropInPath(i.sshdConfigDir, i.user);
    const text = sftpDropIn(i);
    if (!existsSync(file) || readFileSync(file, 'utf8') !== text)
      changes.push({
        describe: `write ${file} (Match User ${i.user}: ChrootDirectory, ForceCommand internal-sftp); reload sshd afterwards`,
        apply: async () => writeFileAtomic(file, text, 0o644),
      });
  }
  return changes;
}

/** Resolves a program to an absolute path (forced commands must not depend on the login PATH). */
export async function resolveProgram(name: string): Promise<string> {
  if (name.startsWith('/')) return name;
  const r = await execa('sh', ['-c', `command -v ${q(name)}`], { reject: false });
  const p = String(r.stdout).trim();
  if (r.exitCode !== 0 || !p.startsWith('/'))
    throw new PiError('not-found', `${name} is not installed.`, {
      hint:
        name === 'rrsync' ? 'apt install rsync (rrsync ships with it since 3.2.4)' : `apt install ${name}`,
    });
  return p;
}

/** What `provision offsite` sets up for push mode. */
export interface OffsitePlanInput {
  /** Where the push key may add files (offsite.incoming); owned by the push account. */
  incoming: string;
  pushUser: string;
  pushKeys: string[];
  rrsync: string;
  authorizedKeysFile: (user: string, home: string) => string;
  lang?: ProvisionLang;
}

/**
 * The push account's authorized_keys lines: `rrsync -wo -no-del -no-overwrite` confines it to incoming/, lets
 * it only write (no reading back, no listing), refuses every delete and enforces --ignore-existing, so it can
 * add files but never replace or remove one. `restrict`: no PTY, forwarding, agent or user rc.
 */
export function pushKeyLines(i: Pick<OffsitePlanInput, 'incoming' | 'pushKeys' | 'rrsync'>): string[] {
  return i.pushKeys.map(
    (k) => `command="${i.rrsync} -wo -no-del -no-overwrite ${q(i.incoming)}",restrict ${k}`,
  );
}

/**
 * Changes that prepare the offsite Pi for push mode: the push account, its incoming directory (mode 0700: only
 * it and root), and its key with the forced command of {@link pushKeyLines}. The generations are outside the
 * directory rrsync confines the key to. Validates every value first (PiError `invalid-argument`, nothing read or
 * changed). Idempotent; reads only, like {@link planOnsite}.
 */
export async function planOffsite(i: OffsitePlanInput): Promise<Change[]> {
  validateProvisionValues(
    [
      { flag: '--incoming', kind: 'path', value: i.incoming },
      { flag: '--push-user', kind: 'account', value: i.pushUser },
      { flag: '--rrsync', kind: 'program', value: i.rrsync },
    ],
    i.lang,
  );
  const changes: Change[] = [];
  const info = await userInfo(i.pushUser);
  const home = info?.home ?? `/var/lib/${i.pushUser}`;
  if (!info) changes.push(createAccount(i.pushUser, home));
  const st = existsSync(i.incoming) ? statSync(i.incoming) : undefined;
  if (!st || (st.mode & 0o7777) !== 0o700 || st.uid !== info?.uid)
    changes.push({
      describe: `${st ? 'set' : 'create'} ${i.incoming} owned by ${i.pushUser}, mode 700 (what the onsite Pi pushes; verified and promoted by the run account)`,
      apply: async () => {
        mkdirSync(i.incoming, { recursive: true });
        const u = await userInfo(i.pushUser);
        chownSync(i.incoming, u!.uid, u!.gid);
        chmodSync(i.incoming, 0o700);
      },
    });
  changes.push(...authorizedKeysChange(i.pushUser, home, pushKeyLines(i), i.authorizedKeysFile));
  return changes;
}

/** The offsite store's folders the run account owns, with their modes (see {@link planOffsiteStore}). */
export const STORE_FOLDERS: readonly (readonly [string, number])[] = [
  // Read by the restore account (chrooted to the store root): the generations and state/status.json.
  ['generations', 0o755],
  ['state', 0o755],
  // The run's own: a staging folder being filled, generations being deleted, the status signing key.
  ['staging', 0o700],
  ['trash', 0o700],
  ['signing', 0o700],
];

/** What the offsite store needs: its root and the account the offsite run uses. */
export interface OffsiteStorePlanInput {
  /** The offsite store's root (offsite.root). */
  root: string;
  /** Default {@link OFFSITE_ACCOUNT}. */
  offsiteUser?: string;
  lang?: ProvisionLang;
}

async function ownerOf(path: string): Promise<{ uid: number; gid: number; mode: number } | undefined> {
  const st = statSync(path, { throwIfNoEntry: false });
  return st ? { uid: st.uid, gid: st.gid, mode: st.mode & 0o7777 } : undefined;
}

/**
 * Changes that give the offsite store to its run account: the account (system, no password, no keys), the root
 * owned by root with mode 0755 (so sshd can chroot the restore account into it), and the folders of
 * {@link STORE_FOLDERS} owned by the account; what an older version left there as root is given to the
 * account too (`chown -R`). Validates first (PiError `invalid-argument`, nothing changed). Idempotent; reads
 * only.
 */
export async function planOffsiteStore(i: OffsiteStorePlanInput): Promise<Change[]> {
  const offsiteUser = i.offsiteUser ?? OFFSITE_ACCOUNT;
  validateProvisionValues(
    [
      { flag: '--root', kind: 'sshd-path', value: i.root },
      { flag: '--offsite-user', kind: 'account', value: offsiteUser },
    ],
    i.lang,
  );
  const changes: Change[] = [];
  const info = await userInfo(offsiteUser);
  // A shell, for the push key's forced command in push mode (the push account is the run account by default).
  if (!info) changes.push(createAccount(offsiteUser, `/var/lib/${offsiteUser}`));
  const root = await ownerOf(i.root);
  if (!root || root.uid !== 0 || root.gid !== 0 || root.mode !== 0o755)
    changes.push({
      describe: `${root ? 'set' : 'create'} ${i.root} owned by root, mode 755 (the store; the restore account's chroot)`,
      apply: async () => {
        mkdirSync(i.root, { recursive: true, mode: 0o755 });
        chownSync(i.root, 0, 0);
        chmodSync(i.root, 0o755);
      },
    });
  for (const [name, mode] of STORE_FOLDERS) {
    const path = join(i.root, name);
    const st = await ownerOf(path);
    if (st && st.uid === info?.uid && st.gid === info.gid && st.mode === mode) continue;
    changes.push({
      describe: `${st ? 'set' : 'create'} ${path} owned by ${offsiteUser}, mode ${mode.toString(8)}${st ? ' (and everything in it)' : ''}`,
      apply: async () => {
        mkdirSync(path, { recursive: true, mode });
        const u = await userInfo(offsiteUser);
        if (st) await execa('chown', ['-R', `${u!.uid}:${u!.gid}`, '--', path]);
        chownSync(path, u!.uid, u!.gid);
        chmodSync(path, mode);
      },
    });
  }
  return changes;
}

export interface OffsiteRestorePlanInput {
  /** The offsite store's root (holds generations/ and state/). */
  root: string;
  restoreUser: string;
  restoreKeys: string[];
  authorizedKeysFile: (user: string, home: string) => string;
  /** Where the sshd drop-in that chroots the restore account goes (default /etc/ssh/sshd_config.d). */
  sshdConfigDir?: string;
  lang?: ProvisionLang;
}

/**
 * The restore account's authorized_keys lines: a workstation restores from the offsite Pi when the onsite Pi
 * is gone, through OpenSSH's internal SFTP server in read-only mode (`-R`: every write, rename and delete
 * fails); no shell (`restrict`). The sshd drop-in of {@link restoreDropIn} chroots the account into the store
 * root, so it starts in `/` and sees its own store only; restic reads the generations with `--no-lock`.
 */
export function restoreKeyLines(i: Pick<OffsiteRestorePlanInput, 'root' | 'restoreKeys'>): string[] {
  return i.restoreKeys.map((k) => `command="internal-sftp -R -d /",restrict ${k}`);
}

/**
 * sshd drop-in for a restore account: chrooted into its store's root (the generations at /generations, the
 * status at /state/status.json), read-only internal-sftp whatever the key line says, no forwarding, no TTY.
 */
export function restoreDropIn(i: Pick<OffsiteRestorePlanInput, 'root' | 'restoreUser'>): string {
  return [
    '# Managed by restray-pi provision offsite: restore account confined to its store, read-only.',
    `Match User ${i.restoreUser}`,
    `    ChrootDirectory ${i.root}`,
    '    ForceCommand internal-sftp -R -d /',
    '    AllowTcpForwarding no',
    '    AllowAgentForwarding no',
    '    AllowStreamLocalForwarding no',
    '    X11Forwarding no',
    '    PermitTunnel no',
    '    PermitTTY no',
    '',
  ].join('\n');
}

/**
 * Changes that give workstations read-only restore access to the offsite store ({@link restoreKeyLines}): the
 * restore account (no shell), its keys and the chroot drop-in ({@link restoreDropIn}). Validates first and
 * refuses an account that already serves another store (one account per repository): PiError
 * `invalid-argument`, nothing changed. A root whose parent folders sshd refuses as a chroot (not root-owned, or
 * writable by others) is a warning in the drop-in's description: sshd then refuses the account's logins.
 */
export async function planOffsiteRestore(i: OffsiteRestorePlanInput): Promise<Change[]> {
  const sshdConfigDir = i.sshdConfigDir ?? '/etc/ssh/sshd_config.d';
  const lang = i.lang ?? 'en';
  validateProvisionValues(
    [
      { flag: '--root', kind: 'sshd-path', value: i.root },
      { flag: '--restore-user', kind: 'account', value: i.restoreUser },
      { flag: '--sshd-config-dir', kind: 'path', value: sshdConfigDir },
    ],
    lang,
  );
  const file = dropInPath(sshdConfigDir, i.restoreUser);
  const text = restoreDropIn(i);
  const existing = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  const other = otherConfinement(existing, text);
  if (other) throw sharedAccount(i.restoreUser, '--restore-user', other, lang);
  // Not an error: sshd then refuses the account's logins (fails closed) until the folder is fixed.
  const bad = chrootProblem(i.root);
  const warning = !bad
    ? ''
    : lang === 'de'
      ? `\n    Achtung: sshd lässt das Konto erst ein, wenn ${bad} root gehört und für niemanden sonst schreibbar ist.`
      : `\n    warning: sshd lets the account in only once ${bad} is owned by root and writable by nobody else.`;
  const info = await userInfo(i.restoreUser);
  const home = info?.home ?? `/var/lib/${i.restoreUser}`;
  // Inside the chroot the store is `/`; this link makes its real path lead there too, so a workstation keeps
  // the path it knows (`<root>/generations/…`) with or without the chroot.
  const alias = join(i.root, i.root);
  const aliasOk =
    lstatSync(alias, { throwIfNoEntry: false })?.isSymbolicLink() && readlinkSync(alias) === '/';
  return [
    ...(info ? [] : [createAccount(i.restoreUser, home, NO_LOGIN_SHELL)]),
    ...(i.root === '/' || aliasOk
      ? []
      : [
          {
            describe: `link ${alias} to / (the store's own path inside the restore account's chroot)`,
            apply: async () => {
              mkdirSync(dirname(alias), { recursive: true, mode: 0o755 });
              symlinkSync('/', alias);
            },
          },
        ]),
    ...authorizedKeysChange(i.restoreUser, home, restoreKeyLines(i), i.authorizedKeysFile),
    ...(existing === text
      ? []
      : [
          {
            describe: `write ${file} (Match User ${i.restoreUser}: ChrootDirectory ${i.root}, ForceCommand internal-sftp -R); reload sshd afterwards${warning}`,
            apply: async () => writeFileAtomic(file, text, 0o644),
          },
        ]),
  ];
}

/**
 * A system account that logs in with keys only (its password field is `*`, which sshd accepts for keys).
 * `shell`: /bin/sh where sshd runs a forced command through it, {@link NO_LOGIN_SHELL} where nothing is run.
 */
function createAccount(user: string, home: string, shell = '/bin/sh'): Change {
  return {
    describe: `create account ${user} (home ${home}, ${shell === NO_LOGIN_SHELL ? 'no shell' : 'key login only'})`,
    apply: async () => {
      // Two plans of one command may both want the account (push and store: the run account).
      if (await userInfo(user)) return;
      await execa('useradd', ['--system', '--create-home', '--home-dir', home, '--shell', shell, user]);
      await execa('usermod', ['-p', '*', user]);
    },
  };
}

/** Adds `want` to the account's authorized_keys (a line for the same key is replaced), if anything changes. */
function authorizedKeysChange(
  user: string,
  home: string,
  want: string[],
  authorizedKeysFile: (user: string, home: string) => string,
): Change[] {
  const file = authorizedKeysFile(user, home);
  const existing = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const merged = mergeAuthorizedKeys(existing, want);
  if (want.length === 0 || merged === existing) return [];
  const added = want.filter((l) => !existing.split('\n').includes(l));
  return [
    {
      describe: `write ${file}:\n${added.map((l) => `    + ${l.replace(/ (AAAA[A-Za-z0-9+/=]{12})[A-Za-z0-9+/=]+/, ' $1…')}`).join('\n')}`,
      apply: async () => {
        mkdirSync(dirname(file), { recursive: true, mode: 0o755 });
        writeFileAtomic(file, merged, 0o644);
        const u = await userInfo(user);
        // sshd's StrictModes wants the file owned by the user (or root) and not writable by others.
        if (u && file.startsWith(u.home)) {
          chownSync(dirname(file), u.uid, u.gid);
          chmodSync(dirname(file), 0o700);
          chownSync(file, u.uid, u.gid);
        }
        chmodSync(file, 0o644);
      },
    },
  ];
}
