import type { ErrorKind } from '../../contract/errors.js';
import { RestrayError } from '../errors.js';
import { classifySshFailure } from '../ssh/ssh-errors.js';
import { messageTypeOf, parseJsonLine } from './json-lines.js';
import { redact, stripAnsi } from './redact.js';

/**
 * A restic run that failed in an expected way. Carries restic's exit status (undefined when it never ran or was
 * killed by a signal) and the end of its stderr, stripped of terminal escapes and of every secret the run knew.
 */
export class ResticError extends RestrayError {
  readonly exitCode: number | undefined;
  readonly stderrTail: string;
  constructor(
    kind: ErrorKind,
    message: string,
    options?: { hint?: string; cause?: unknown; exitCode?: number; stderrTail?: string },
  ) {
    super(kind, message, options);
    this.name = 'ResticError';
    this.exitCode = options?.exitCode;
    this.stderrTail = options?.stderrTail ?? '';
  }
}

interface Plain {
  message: string;
  hint?: string;
}

/** Plain-language message and hint for each kind this module produces. */
export const resticMessages = {
  'repo-not-found': {
    message: 'There is no restic repository at this location.',
    hint: 'Check the repository location, or create the repository first.',
  },
  'repo-exists': {
    message: 'A restic repository already exists at this location.',
    hint: 'Connect to the existing repository with its password instead of creating a new one.',
  },
  'wrong-password': {
    message: 'The password does not open this repository.',
    hint: "Enter the repository's password again in the settings.",
  },
  locked: {
    message: 'The repository is locked by another restic process.',
    hint: 'Wait until the other backup or maintenance finishes; if none is running, unlock the repository.',
  },
  'append-only': {
    message: 'The repository refused to delete data: it is append-only for this computer.',
    hint: 'Run forget and prune on the Pi itself (restray-pi maintain), not from this computer.',
  },
  'no-space': {
    message: 'The disk that holds the repository is full.',
    hint: 'Free space on the backup disk or the Pi, or prune old snapshots, then run the backup again.',
  },
  'permission-denied': {
    message: 'restic was denied access to a file or folder it needs.',
    hint: 'Check that your user may read and write the repository folder (and the restore target).',
  },
  'not-found': {
    message: 'The snapshot was not found in the repository.',
    hint: 'Refresh the snapshot list: a retention policy may have removed it.',
  },
  'restic-missing': {
    message: 'restic is not installed or could not be started.',
    hint: 'Install restic 0.14 or newer, or set the path to restic in the settings.',
  },
  cancelled: { message: 'The operation was cancelled.' },
} satisfies Partial<Record<ErrorKind, Plain>>;

type TextKind = keyof typeof resticMessages;

// restic 0.14 exits 1 for every failure, so the text decides; order matters where texts overlap.
const textRules: { test: RegExp; kind: TextKind }[] = [
  { test: /wrong password or no key found/i, kind: 'wrong-password' },
  { test: /repository is already locked|unable to create lock/i, kind: 'locked' },
  {
    test: /config file already exists|repository master key and config already initialized/i,
    kind: 'repo-exists',
  },
];
const lateRules: { test: RegExp; kind: TextKind }[] = [
  {
    test: /unable to open config file|Is there a repository at the following location\?|repository does not exist/i,
    kind: 'repo-not-found',
  },
  // rclone serve restic --append-only and rest-server answer 403 to any delete but lock files.
  { test: /blob not removed|\b403 Forbidden\b|\(403\)|\bForbidden\b/i, kind: 'append-only' },
  { test: /no space left on device|\bENOSPC\b|insufficient storage|\(507\)/i, kind: 'no-space' },
  { test: /permission denied|access is denied/i, kind: 'permission-denied' },
  { test: /no matching ID found|no snapshot found|invalid id ".*"/i, kind: 'not-found' },
];

const noise =
  /^(using temporary cache|create exclusive lock|load(ing)? ind|check (all|snapshots)|\[\d+:\d+\]|signal interrupt received|reading repository password|repository [0-9a-f]+ opened|Warning: at least one source file)/i;

/**
 * The one line of a 0.18 `exit_error` message that says what went wrong: restic puts a lock's holder, its
 * age and "the `unlock` command can be used…" on further lines, and prefixes fatal errors with `Fatal:`.
 */
function exitErrorLine(message: string): string | undefined {
  const first = message
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l.length > 0);
  return first?.replace(/^Fatal:\s*/, '');
}

/**
 * The line of restic's stderr that best says what went wrong: a 0.18 `exit_error` message, else the last
 * `Fatal:` line, else the last line that is not progress or chatter. Undefined when stderr says nothing.
 */
export function lastMeaningfulLine(stderrText: string): string | undefined {
  const lines = stripAnsi(stderrText)
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  let fallback: string | undefined;
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!;
    const json = parseJsonLine(line);
    if (json !== undefined) {
      const v = json as Record<string, unknown>;
      if (messageTypeOf(json) === 'exit_error' && typeof v.message === 'string') {
        const first = exitErrorLine(v.message);
        if (first !== undefined) return first;
      }
      continue;
    }
    if (line.startsWith('Fatal:')) return line.slice('Fatal:'.length).trim();
    if (fallback === undefined && !noise.test(line)) fallback = line;
  }
  return fallback;
}

function make(kind: TextKind, exitCode: number | undefined, stderrTail: string): ResticError {
  const m: Plain = resticMessages[kind];
  return new ResticError(kind, m.message, {
    ...(m.hint === undefined ? {} : { hint: m.hint }),
    ...(exitCode === undefined ? {} : { exitCode }),
    stderrTail,
  });
}

const MAX_DETAIL = 300;

/**
 * stderr without per-item JSON error lines: a backup's unreadable source file (`permission denied`) must not
 * make a later network failure look like a repository permission problem. A 0.18 `exit_error` keeps its text.
 */
function diagnosticText(stderrText: string): string {
  const out: string[] = [];
  for (const raw of stripAnsi(stderrText).split('\n')) {
    const json = parseJsonLine(raw);
    if (json === undefined) out.push(raw);
    else if (messageTypeOf(json) === 'exit_error') {
      const message = (json as Record<string, unknown>).message;
      if (typeof message === 'string') out.push(message);
    }
  }
  return out.join('\n');
}

/**
 * Maps a failed restic run to a typed error.
 *
 * Exit statuses: 130 → `cancelled`; 10 → `repo-not-found`, 11 → `locked`, 12 → `wrong-password` (restic ≥ 0.17).
 * restic 0.14 exits 1 for everything, so stderr text decides next: wrong password, lock, existing repository,
 * then OpenSSH's relayed messages (host keys, refused keys, network), then missing repository, append-only
 * (HTTP 403 on delete), full disk (ENOSPC, HTTP 507), local permission problems and unknown snapshot IDs.
 * Anything else, including unknown exit statuses, is `failed` with the last meaningful stderr line.
 * The message and the kept stderr tail never contain any of `secrets`.
 */
export function classifyResticFailure(
  exitCode: number | undefined,
  stderrText: string,
  secrets: readonly string[] = [],
): ResticError {
  const tail = redact(stripAnsi(stderrText), secrets);
  const text = diagnosticText(stderrText);
  if (exitCode === 130) return make('cancelled', exitCode, tail);
  if (exitCode === 10) return make('repo-not-found', exitCode, tail);
  if (exitCode === 11) return make('locked', exitCode, tail);
  if (exitCode === 12) return make('wrong-password', exitCode, tail);
  for (const r of textRules) if (r.test.test(text)) return make(r.kind, exitCode, tail);
  const ssh = classifySshFailure(text);
  if (ssh) {
    return new ResticError(ssh.kind, ssh.message, {
      ...(ssh.hint === undefined ? {} : { hint: ssh.hint }),
      ...(exitCode === undefined ? {} : { exitCode }),
      stderrTail: tail,
    });
  }
  for (const r of lateRules) if (r.test.test(text)) return make(r.kind, exitCode, tail);
  const line = lastMeaningfulLine(stderrText);
  const detail = line === undefined ? undefined : redact(line, secrets).slice(0, MAX_DETAIL);
  const status = exitCode === undefined ? '' : ` (exit status ${exitCode})`;
  return new ResticError(
    'failed',
    detail === undefined ? `restic failed${status}.` : `restic failed${status}: ${detail}`,
    {
      hint: "See the run log for restic's full output.",
      ...(exitCode === undefined ? {} : { exitCode }),
      stderrTail: tail,
    },
  );
}

/** The error for a restic that could not be started (ENOENT, EACCES) or is too old. */
export function resticMissing(detail?: string, cause?: unknown): ResticError {
  const m = resticMessages['restic-missing'];
  return new ResticError('restic-missing', detail ?? m.message, {
    hint: m.hint,
    ...(cause === undefined ? {} : { cause }),
  });
}

/** The error for a run stopped through its AbortSignal. */
export function cancelled(exitCode?: number, stderrTail = ''): ResticError {
  return make('cancelled', exitCode, stderrTail);
}

/** An unknown snapshot ID; restic 0.14 often only prints `Ignoring "…": no matching ID` and exits 0. */
export function snapshotNotFound(ref: string, stderrTail = ''): ResticError {
  return new ResticError('not-found', `Snapshot ${ref} was not found in the repository.`, {
    hint: resticMessages['not-found'].hint,
    stderrTail,
  });
}
