/**
 * The one SSH client policy of Restray, shared by the workstation (core/ssh) and the Pis (pi/src/link): which
 * options every connection carries, how their values are written so that OpenSSH reads them back unchanged, and
 * what ssh's stderr means. Pure: no Node, no files; each side turns a {@link SshFailureReason} into its own
 * error with its own words.
 *
 * Why each option (OpenSSH uses the first value it obtains, so these come before anything else on the command
 * line, and `-F none` keeps ~/.ssh/config and /etc/ssh/ssh_config out entirely):
 * - isolation: `-F none` (no config file on any OS), `IdentityAgent=none` and `IdentitiesOnly=yes` (only the
 *   repository key, never an agent's), `ForwardAgent=no`, `ForwardX11=no`, `ClearAllForwardings=yes`,
 *   `PermitLocalCommand=no`, `ProxyCommand=none`, `ProxyJump=none`, `ControlMaster=no`/`ControlPath=none` unless
 *   the connection is Restray's own, `UpdateHostKeys=no` (the pinned file is never rewritten),
 *   `CanonicalizeHostname=no`, `VerifyHostKeyDNS=no`, `Tunnel=no`;
 * - trust: `StrictHostKeyChecking=yes` against the pinned known_hosts only (`GlobalKnownHostsFile=/dev/null`;
 *   Win32-OpenSSH maps /dev/null to NUL), `BatchMode=yes` (no prompt ever);
 * - liveness: `ConnectTimeout`, `ServerAliveInterval` × `ServerAliveCountMax`.
 */

/** Timeouts of a connection, in seconds (see the module comment). */
export interface SshTimeouts {
  connectTimeout: number;
  serverAliveInterval: number;
  serverAliveCountMax: number;
}

/** A connection Restray multiplexes itself: the control socket (in a private folder) and this ssh's role. */
export interface SshControl {
  path: string;
  /** `yes`: this ssh opens the shared connection; `no`: it rides on one. */
  master: 'yes' | 'no';
}

/** Everything {@link sshPolicyArgs} needs. Paths are absolute; they are never read here. */
export interface SshPolicyInput extends SshTimeouts {
  identityFile: string;
  knownHostsFile: string;
  port: number;
  /** `-p` for ssh (default), `-P` for sftp and scp, whose `-p` means "preserve times". */
  portFlag?: '-p' | '-P';
  control?: SshControl;
  /** Ciphers to offer, in order (default: OpenSSH's own list). */
  ciphers?: readonly string[];
  /** Key exchanges to offer, in order (default: OpenSSH's own list). */
  kexAlgorithms?: readonly string[];
}

/** Thrown for a value OpenSSH cannot be given unchanged; `field` names the option. */
export class SshValueError extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(message);
    this.name = 'SshValueError';
    this.field = field;
  }
}

/**
 * Writes one option value so that OpenSSH's config parser (`argv_split`, used for `-o` and config lines alike)
 * gives it back unchanged: a backslash before every space, quote and backslash. Without it ssh splits
 * `UserKnownHostsFile=/Users/x/Library/Application Support/…` at the space and reads two files — the
 * first of which any local user may create. Path options are also percent-expanded (`%%` keeps a `%`) and
 * `${VAR}`-expanded by ssh; `${` has no escape, so such a path is refused, as are control characters and
 * relative paths (`~` would be expanded).
 * @throws SshValueError naming `field`.
 */
export function sshValue(field: string, value: string, kind: 'path' | 'word' = 'word'): string {
  if (value === '') throw new SshValueError(field, `The ${field} is empty.`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value))
    throw new SshValueError(field, `The ${field} contains a control character (a tab or a line break).`);
  let v = value;
  if (kind === 'path') {
    if (v.includes('${'))
      throw new SshValueError(field, `The ${field} contains "\${", which ssh would replace by a variable.`);
    if (!/^(\/|[A-Za-z]:[\\/]|\\\\)/.test(v))
      throw new SshValueError(field, `The ${field} is not an absolute path.`);
    v = v.replace(/%/g, '%%');
  }
  return v.replace(/[\\ '"]/g, (c) => `\\${c}`);
}

/** `-o Key=value`, the value written with {@link sshValue}. */
function opt(key: string, value: string, kind: 'path' | 'word' = 'word'): string[] {
  return ['-o', `${key}=${sshValue(key, value, kind)}`];
}

/** The isolation options that never vary (see the module comment). */
export const SSH_ISOLATION: readonly string[] = [
  '-F',
  'none',
  ...[
    'BatchMode=yes',
    'StrictHostKeyChecking=yes',
    'GlobalKnownHostsFile=/dev/null',
    'IdentitiesOnly=yes',
    'IdentityAgent=none',
    'ForwardAgent=no',
    'ForwardX11=no',
    'ClearAllForwardings=yes',
    'PermitLocalCommand=no',
    'ProxyCommand=none',
    'ProxyJump=none',
    'UpdateHostKeys=no',
    'CanonicalizeHostname=no',
    'VerifyHostKeyDNS=no',
    'Tunnel=no',
  ].flatMap((o) => ['-o', o]),
];

/**
 * The options of every Restray SSH connection, without the destination (which the caller checks and appends):
 * {@link SSH_ISOLATION}, the key, the pinned known_hosts, the timeouts, the port, and Restray's own
 * multiplexing when `control` is given. Values are escaped with {@link sshValue}.
 * @throws SshValueError when a path cannot be written for ssh.
 */
export function sshPolicyArgs(i: SshPolicyInput): string[] {
  const control = i.control
    ? [
        ...opt('ControlMaster', i.control.master),
        ...opt('ControlPath', i.control.path, 'path'),
        ...(i.control.master === 'yes' ? opt('ControlPersist', 'no') : []),
      ]
    : ['-o', 'ControlMaster=no', '-o', 'ControlPath=none'];
  // A master never persists (ControlPersist=no): it stays a child of the run and ends with it.
  return [
    ...control,
    ...(i.ciphers?.length ? opt('Ciphers', i.ciphers.join(',')) : []),
    ...(i.kexAlgorithms?.length ? opt('KexAlgorithms', i.kexAlgorithms.join(',')) : []),
    ...SSH_ISOLATION,
    ...opt('IdentityFile', i.identityFile, 'path'),
    ...opt('UserKnownHostsFile', i.knownHostsFile, 'path'),
    ...opt('ConnectTimeout', String(i.connectTimeout)),
    ...opt('ServerAliveInterval', String(i.serverAliveInterval)),
    ...opt('ServerAliveCountMax', String(i.serverAliveCountMax)),
    i.portFlag ?? '-p',
    String(i.port),
  ];
}

// user and host end up as an ssh argument: a leading '-' would turn them into an option (option injection).
const USER_RE = /^[A-Za-z0-9._][A-Za-z0-9._-]*$/;
// Host names, IPv4, and IPv6 without brackets (colons; `%zone` for link-local addresses).
const HOST_RE = /^[A-Za-z0-9_:][A-Za-z0-9._:%-]*$/;

/** True when `user` is safe as the user part of an ssh destination. */
export function isSshUser(user: string): boolean {
  return USER_RE.test(user);
}

/** True when `host` is a host name or IP address that cannot be read as an ssh option. */
export function isSshHost(host: string): boolean {
  return HOST_RE.test(host);
}

/** What went wrong on an SSH link, as read from ssh's (or rsync's, restic's) stderr. */
export type SshFailureReason =
  | 'host-key-changed'
  | 'host-key-unknown'
  | 'key-refused'
  | 'stalled'
  | 'timed-out'
  | 'refused'
  | 'no-such-host'
  | 'no-route'
  | 'no-agreement'
  | 'lost';

/** The error kind each reason maps to (the kinds of contract/errors.ts and of restray-pi). */
export const SSH_FAILURE_KIND: Record<
  SshFailureReason,
  'host-key-mismatch' | 'host-key-unknown' | 'permission-denied' | 'network'
> = {
  'host-key-changed': 'host-key-mismatch',
  'host-key-unknown': 'host-key-unknown',
  'key-refused': 'permission-denied',
  stalled: 'network',
  'timed-out': 'network',
  refused: 'network',
  'no-such-host': 'network',
  'no-route': 'network',
  'no-agreement': 'network',
  lost: 'network',
};

// OpenSSH client messages. Order matters: the changed-host-key banner also says "verification failed", and a
// stalled link ("Timeout, server … not responding") is more telling than the "Connection closed" after it.
const REASONS: readonly [RegExp, SshFailureReason][] = [
  [/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key for .* has changed/i, 'host-key-changed'],
  [/No \S+ host key is known for|Host key verification failed/i, 'host-key-unknown'],
  [
    /Permission denied \(|Too many authentication failures|Load key .*: (Permission denied|No such file)/i,
    'key-refused',
  ],
  [/Timeout, server .* not responding|timeout in data send\/receive|io timeout after/i, 'stalled'],
  [/Connection timed out|Connection to \S+ timed out|Operation timed out/i, 'timed-out'],
  [/Connection refused/i, 'refused'],
  [/Could not resolve hostname|Name or service not known|nodename nor servname/i, 'no-such-host'],
  [/no matching (key exchange|host key type|cipher|MAC) method found|Unable to negotiate/i, 'no-agreement'],
  [/Network is unreachable|No route to host/i, 'no-route'],
  [
    /Connection (reset|closed) by|Broken pipe|Connection closed|connection unexpectedly closed|kex_exchange_identification|ssh_exchange_identification|client_loop: send disconnect|banner exchange|error in rsync protocol data stream/i,
    'lost',
  ],
];

/** The first SSH failure that `stderr` shows, or undefined. Pure; the text is never kept. */
export function sshFailureReason(stderr: string): SshFailureReason | undefined {
  return REASONS.find(([re]) => re.test(stderr))?.[1];
}
