import {
  isSshHost,
  isSshUser,
  sshPolicyArgs,
  SshValueError,
  type SshTimeouts,
} from '../../contract/ssh-policy.js';
import { RestrayError } from '../errors.js';

/** What Restray needs to reach a Pi over SSH (the ssh fields of an sftp or append-only RepoTarget). */
export interface SshEndpoint {
  user: string;
  host: string;
  port: number;
  /** Private key file (a path: the key itself is never read by Restray). */
  sshKey: string;
  /** Restray's own known_hosts file with the Pi's pinned host key. */
  knownHosts: string;
}

/**
 * Timeouts of every Restray SSH connection. A dead link is noticed after ServerAliveInterval ×
 * ServerAliveCountMax (30 s) of silence, a host that does not answer after ConnectTimeout (15 s): a stalled
 * run therefore ends within about 45 s instead of hanging (restic has known hangs on dead SFTP links).
 */
export const SSH_TIMEOUTS: SshTimeouts = {
  connectTimeout: 15,
  serverAliveInterval: 10,
  serverAliveCountMax: 3,
};

/** The ssh client program; `ssh` on PATH (Windows ships it in System32\OpenSSH). */
export const SSH_PROGRAM = 'ssh';

/** Checks a user name for SSH; throws `invalid-argument` naming the field. */
export function checkSshUser(user: string): void {
  if (!isSshUser(user))
    throw new RestrayError('invalid-argument', `The SSH user "${user}" is not valid.`, {
      hint: 'Use letters, digits, dot, dash or underscore, not starting with a dash.',
    });
}

/** Checks a host name or IP address for SSH; throws `invalid-argument` naming the field. */
export function checkSshHost(host: string): void {
  if (!isSshHost(host))
    throw new RestrayError('invalid-argument', `The host "${host}" is not a valid host name or IP address.`, {
      hint: 'Use a name such as pi.local, an IPv4 address or an IPv6 address without brackets.',
    });
}

/** Options for {@link sshOptionArgs}. */
export interface SshOptionArgsOptions {
  /** `-p` for ssh (default), `-P` for sftp and scp, whose `-p` means "preserve times". */
  portFlag?: '-p' | '-P';
  /** Use this known_hosts file instead of the endpoint's (e.g. an empty one to prove an unpinned host fails). */
  knownHosts?: string;
}

const FIELD_NAMES: Record<string, string> = {
  IdentityFile: 'SSH key path',
  UserKnownHostsFile: 'known_hosts path',
};

/**
 * The options every Restray SSH connection uses, without the destination: the shared policy of
 * contract/ssh-policy.ts (no ssh config file, no agent, no forwarding, the repository key only, no prompts,
 * the pinned known_hosts only) with the timeouts of {@link SSH_TIMEOUTS}. Pure: it reads no file.
 * @throws RestrayError `invalid-argument` for a key or known_hosts path ssh cannot be given unchanged.
 */
export function sshOptionArgs(
  e: Pick<SshEndpoint, 'sshKey' | 'knownHosts' | 'port'>,
  opts: SshOptionArgsOptions = {},
): string[] {
  try {
    return sshPolicyArgs({
      ...SSH_TIMEOUTS,
      identityFile: e.sshKey,
      knownHostsFile: opts.knownHosts ?? e.knownHosts,
      port: e.port,
      ...(opts.portFlag ? { portFlag: opts.portFlag } : {}),
    });
  } catch (err) {
    if (!(err instanceof SshValueError)) throw err;
    throw new RestrayError(
      'invalid-argument',
      err.message.replace(err.field, FIELD_NAMES[err.field] ?? err.field),
      {
        hint: 'Move Restray\'s folder (RESTRAY_HOME) to an absolute path without control characters or "${".',
      },
    );
  }
}

/** `user@host` after checking both (see {@link checkSshUser}, {@link checkSshHost}). */
export function sshDestination(e: Pick<SshEndpoint, 'user' | 'host'>): string {
  checkSshUser(e.user);
  checkSshHost(e.host);
  return `${e.user}@${e.host}`;
}

/**
 * The full argv (without the program) of `ssh <options> [extra…] user@host [remote…]`, for running ssh
 * directly (execa, no shell). `extraBeforeDestination` goes between the options and the destination (e.g.
 * `['-s']` for a subsystem); `remote` after it.
 */
export function sshArgs(
  e: SshEndpoint,
  remote: string[] = [],
  extraBeforeDestination: string[] = [],
): string[] {
  return [...sshOptionArgs(e), ...extraBeforeDestination, sshDestination(e), ...remote];
}

/**
 * Quotes one argument so that restic's `SplitShellStrings` (used for `sftp.command` and `rclone.program`, in
 * 0.14 as in later versions) gives it back unchanged.
 *
 * How restic splits: whitespace and a backslash outside quotes separate words; a `'` or `"` starts a quoted
 * section that runs to the same quote char, unless that char directly follows a backslash. A quote char is
 * also a word boundary (`a"b c"d` gives `a`, `b c`, `d`) and nothing is ever unescaped. So a word that needs
 * quoting must be quoted as a whole, with a quote char it does not contain, and must not end in a backslash
 * (it would escape the closing quote). Backslashes inside quotes are kept as they are, which is what Windows
 * paths need. Words that cannot be expressed this way (both quote chars, a trailing backslash, empty) are
 * rejected with `invalid-argument` instead of being passed on mangled.
 */
export function quoteForRestic(arg: string, field = 'argument'): string {
  if (arg === '') throw new RestrayError('invalid-argument', `The ${field} is empty.`);
  if (!/[\s'"\\]/.test(arg)) return arg;
  const quote = !arg.includes("'") ? "'" : !arg.includes('"') ? '"' : undefined;
  if (quote === undefined || arg.endsWith('\\'))
    throw new RestrayError(
      'invalid-argument',
      `The ${field} "${arg}" cannot be passed to restic: it contains both kinds of quotes or ends with a backslash.`,
      {
        hint: 'Move the SSH key and known_hosts file to a folder whose path has no quotes and no trailing backslash.',
      },
    );
  return `${quote}${arg}${quote}`;
}

/**
 * `ssh <options> [extra…] user@host [remote…]` as one string for restic's `-o sftp.command=` or
 * `-o rclone.program=`, every word quoted with {@link quoteForRestic}, so key and known_hosts paths with
 * spaces (`C:\Users\Jane Doe\…`) survive restic's splitting. Throws `invalid-argument` for paths that cannot.
 */
export function sshCommandString(
  e: SshEndpoint,
  remote: string[] = [],
  extraBeforeDestination: string[] = [],
): string {
  return [SSH_PROGRAM, ...sshArgs(e, remote, extraBeforeDestination)]
    .map((a) => {
      const key = /^(IdentityFile|UserKnownHostsFile)=/.exec(a)?.[1];
      return quoteForRestic(a, key ? FIELD_NAMES[key] : 'ssh argument');
    })
    .join(' ');
}

/**
 * One `-o key=value` value for restic's command line. restic declares `--option` as a pflag *StringSlice*, which
 * reads each value as a CSV record: a comma splits it into two options and a bare `"` is a parse error
 * ("bare \" in non-quoted-field"). So a value containing `,` or `"` is sent as one CSV-quoted field (`"` doubled);
 * restic then sees exactly `key=value`. Line breaks cannot be expressed and are rejected (`invalid-argument`).
 */
export function resticOption(key: string, value: string): string {
  const kv = `${key}=${value}`;
  if (/[\r\n]/.test(kv))
    throw new RestrayError('invalid-argument', `The restic option ${key} must not contain a line break.`);
  return /[",]/.test(kv) ? `"${kv.replace(/"/g, '""')}"` : kv;
}

/**
 * The inverse of restic's splitting (a re-implementation of `SplitShellStrings` in restic's
 * internal/backend/shell_split.go), used by tests to prove {@link sshCommandString} round-trips.
 */
export function splitLikeRestic(data: string): string[] {
  const out: string[] = [];
  let quote = '';
  let lastChar = '';
  let start = -1;
  const isSplit = (c: string): boolean => {
    if (lastChar !== '\\') {
      if (quote !== '' && c === quote) {
        quote = '';
        return true;
      }
      if (quote === '' && (c === '"' || c === "'")) {
        quote = c;
        return true;
      }
    }
    lastChar = c;
    if (quote !== '') return false;
    return c === '\\' || /\s/u.test(c);
  };
  const chars = [...data];
  let offset = 0;
  for (const c of chars) {
    if (isSplit(c)) {
      if (start >= 0) {
        out.push(data.slice(start, offset));
        start = -1;
      }
    } else if (start === -1) start = offset;
    offset += c.length;
  }
  if (start >= 0) out.push(data.slice(start));
  if (quote !== '') throw new Error(`${quote === "'" ? 'single' : 'double'}-quoted string not terminated`);
  if (out.length === 0) throw new Error('command string is empty');
  return out;
}
