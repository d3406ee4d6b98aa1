import { isAbsolute, resolve } from 'node:path';
import { RepoTarget } from '../../contract/config.js';
import { RestrayError } from '../errors.js';
import { checkSshHost, checkSshUser, resticOption, sshCommandString } from './ssh-options.js';

const ALLOWED_FORMS = 'a local folder, sftp:user@host:/path or sftp://user@host:port//path';

/**
 * The restic arguments that select a repository (`-r …` and backend options), for every target kind:
 *
 * - `local`: `-r <path>`.
 * - `sftp`: `-r sftp:user@host:/path -o sftp.command=ssh <options> -s user@host sftp`. restic runs that
 *   command instead of its own `ssh host -s sftp`, so the pinned key, known_hosts and timeouts apply.
 * - `append-only`: `-r rclone: -o rclone.program=ssh <options> user@host`. restic appends rclone's arguments
 *   (`serve restic --stdio --b2-hard-delete` and the remote) to that command; ssh sends them to the Pi, whose
 *   forced command `rclone serve restic --stdio --append-only /srv/…` ignores them. The target's `path` is
 *   therefore not used here: the Pi's authorized_keys line decides where the repository is.
 *
 * The `-o` values are CSV-quoted when needed (see {@link resticOption}).
 *
 * Pure (reads no file). Throws `invalid-argument` when a user, host or path cannot be passed to restic safely
 * (see {@link sshCommandString}). The password is never part of the arguments: restic gets it from its
 * environment.
 */
export function resticRepoArgs(target: RepoTarget): string[] {
  switch (target.kind) {
    case 'local':
      return ['-r', target.path];
    case 'sftp': {
      // The subsystem flag goes before the destination: ssh stops parsing options at the remote command.
      const command = sshCommandString(target, ['sftp'], ['-s']);
      return ['-r', sftpRepoUrl(target), '-o', resticOption('sftp.command', command)];
    }
    case 'append-only':
      return ['-r', 'rclone:', '-o', resticOption('rclone.program', sshCommandString(target))];
  }
}

/**
 * restic's name for an SFTP repository. The host and port in it are only for display (sftp.command decides
 * where ssh connects), but restic still has to parse it: `sftp:user@host:/path` cannot carry an IPv6 address,
 * so those use the URL form, where `//path` is absolute and `/path` relative to the login directory.
 */
export function sftpRepoUrl(t: { user: string; host: string; port: number; path: string }): string {
  checkSshUser(t.user);
  checkSshHost(t.host);
  if (!t.host.includes(':')) return `sftp:${t.user}@${t.host}:${t.path}`;
  // An absolute path gives `…:port//abs`, a relative one `…:port/rel`.
  return `sftp://${t.user}@[${t.host}]:${t.port}/${t.path}`;
}

/** Options of {@link parseRepoUrl}, as given on the command line. */
export interface ParseRepoUrlOptions {
  /** The Pi gives this key only `rclone serve restic --append-only` (kind `append-only`). */
  appendOnly?: boolean;
  /** Private key file for ssh targets (required for them). */
  sshKey?: string;
  /** known_hosts file with the pinned host key (required for ssh targets). */
  knownHosts?: string;
  /** SSH port when the URL names none (default 22). */
  port?: number;
}

function invalid(message: string): RestrayError {
  return new RestrayError('invalid-argument', message, { hint: `Use ${ALLOWED_FORMS}.` });
}

/**
 * Parses a repository location typed by a person (CLI `--url`) into a RepoTarget:
 * a local folder (made absolute against the current directory, so the stored config does not depend on where
 * the app starts), `sftp:user@host:/path`, or `sftp://user@host[:port]//abs/path` (`/rel/path` is relative to
 * the login directory; `[v6addr]` for IPv6). With `appendOnly` an sftp location becomes an `append-only`
 * target. Key and known_hosts paths are made absolute too.
 *
 * Throws RestrayError `invalid-argument` naming the field (url, user, host, port, sshKey, knownHosts,
 * appendOnly) and the allowed forms. Pure apart from reading the current directory.
 */
export function parseRepoUrl(url: string, opts: ParseRepoUrlOptions = {}): RepoTarget {
  if (url.trim() === '') throw invalid('The repository location (url) is empty.');
  const ssh = parseSsh(url);
  if (!ssh) {
    if (opts.appendOnly)
      throw invalid(
        'appendOnly applies to repositories on a Pi reached over SSH, not to a local folder (url is a local path).',
      );
    return RepoTarget.parse({ kind: 'local', path: resolve(url) });
  }
  if (ssh.port !== undefined && opts.port !== undefined && ssh.port !== opts.port)
    throw invalid(`The port is given twice and differs: ${ssh.port} in the url, ${opts.port} as port.`);
  const port = ssh.port ?? opts.port ?? 22;
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw invalid(`The port ${port} is not a port number (1-65535).`);
  if (!opts.sshKey)
    throw new RestrayError(
      'invalid-argument',
      `An SSH key (sshKey) is needed for the repository at ${url}.`,
      {
        hint: 'Give the private key Restray generated for this Pi (--ssh-key), or run the setup wizard.',
      },
    );
  if (!opts.knownHosts)
    throw new RestrayError(
      'invalid-argument',
      `A known_hosts file with the Pi's pinned host key (knownHosts) is needed for the repository at ${url}.`,
      {
        hint: 'Give the file written at setup (--known-hosts), or run the setup wizard to pin the host key.',
      },
    );
  const fields = {
    user: ssh.user,
    host: ssh.host,
    port,
    path: ssh.path,
    sshKey: resolve(opts.sshKey),
    knownHosts: resolve(opts.knownHosts),
  };
  return RepoTarget.parse(opts.appendOnly ? { kind: 'append-only', ...fields } : { kind: 'sftp', ...fields });
}

interface SshLocation {
  user: string;
  host: string;
  port: number | undefined;
  path: string;
}

function checkedUserHost(
  user: string | undefined,
  host: string,
  url: string,
): { user: string; host: string } {
  if (!user) throw invalid(`The repository location ${url} names no user (user@host).`);
  try {
    checkSshUser(user);
    checkSshHost(host);
  } catch (e) {
    if (e instanceof RestrayError) throw invalid(`${e.message.replace(/\.$/, '')} (in url ${url}).`);
    throw e;
  }
  return { user, host };
}

/** undefined for a local path; throws for other schemes and malformed sftp locations. */
function parseSsh(url: string): SshLocation | undefined {
  if (url.startsWith('sftp://')) {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw invalid(`The repository location ${url} is not a valid sftp:// URL.`);
    }
    const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
    if (!host) throw invalid(`The repository location ${url} names no host.`);
    const { user } = checkedUserHost(decodeURIComponent(u.username), host, url);
    if (u.password) throw invalid('The url must not contain a password: Restray logs in with its SSH key.');
    // restic's convention: sftp://host//abs is absolute, sftp://host/rel is relative to the login directory.
    const path = decodeURIComponent(u.pathname).slice(1);
    if (path === '' || path === '/')
      throw invalid(`The repository location ${url} names no folder on the Pi.`);
    return { user, host, port: u.port ? Number(u.port) : undefined, path };
  }
  if (url.startsWith('sftp:')) {
    const m = /^sftp:(?:([^@]*)@)?(\[[^\]]*\]|[^:@/]+):(.*)$/.exec(url);
    if (!m) throw invalid(`The repository location ${url} is not of the form sftp:user@host:/path.`);
    const host = m[2]!.replace(/^\[(.*)\]$/, '$1');
    const { user } = checkedUserHost(m[1], host, url);
    const path = m[3]!;
    if (path === '') throw invalid(`The repository location ${url} names no folder on the Pi.`);
    return { user, host, port: undefined, path };
  }
  // Windows drive letters (C:\…, C:/…) are local paths, not schemes.
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(url);
  if (scheme && !(scheme[1]!.length === 1 && /^[A-Za-z]:([\\/]|$)/.test(url)) && !isAbsolute(url))
    throw invalid(`Restray does not support "${scheme[1]}:" repositories.`);
  return undefined;
}
