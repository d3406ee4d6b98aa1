import { finished } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { execa } from 'execa';
import type { ResticVersion } from '../../contract/restic.js';
import type { RestrayError } from '../errors.js';
import { openBatchedStdout } from './batched-stdout.js';
import { BoundedTail } from './bounded-tail.js';
import { lowerPriority } from './priority.js';
import { cancellationOf } from './cancellation.js';
import { cancelled, classifyResticFailure, ResticError, resticMissing } from './errors.js';
import { LineSplitter, parseJsonLine } from './json-lines.js';
import { redact, stripAnsi } from './redact.js';

/** How to reach one repository. Built by the caller from the repository config and the keychain. */
export interface ResticContext {
  /** Path to restic; `restic` looks it up on PATH. */
  binary: string;
  /** Repository selection, e.g. `['-r', '/path']` or `['-r', 'rclone:', '-o', 'rclone.program=ssh …']`. */
  repoArgs: string[];
  /**
   * The repository password: never in argv, errors or logs. A string goes to restic as RESTIC_PASSWORD in its
   * environment. A function is called once restic has been started and what it resolves to is written to
   * restic's stdin (the first line restic reads when it has no other password source), so that restic's own
   * start-up (and, for SFTP, its connection) overlaps the keychain lookup; it should return the same promise on
   * every call. A password that a line cannot carry (line breaks) is passed through the environment instead.
   */
  password: string | (() => Promise<string>);
  /** Extra environment (RESTIC_CACHE_DIR, …). */
  env?: Record<string, string>;
  /**
   * Asked for a better explanation when restic failed without saying why in words we recognise (e.g. restic
   * 0.14 lost ssh's message); may probe the connection. Returns undefined to keep restic's own error.
   */
  diagnose?: (stderr: string) => Promise<RestrayError | undefined>;
  /**
   * The version of `binary`, when the caller knows it; otherwise verbs that depend on it ask once per process
   * (see version.ts, the one place that knows what each restic version offers).
   */
  version?: ResticVersion;
}

/** Options every verb accepts. */
export interface CallOptions {
  /** Aborting sends SIGINT so restic removes its lock; the call then rejects with kind `cancelled`. */
  signal?: AbortSignal;
  /** Called with restic's process ID once it runs (power management, tests). */
  onSpawn?: (pid: number) => void;
}

/** Only the CallOptions of a verb's options, so verb-specific fields never leak into the run. */
export function callOptions(o: CallOptions): CallOptions {
  return {
    ...(o.signal === undefined ? {} : { signal: o.signal }),
    ...(o.onSpawn === undefined ? {} : { onSpawn: o.onSpawn }),
  };
}

export interface RunOptions extends CallOptions {
  /** The verb and its flags; the repository arguments are prepended. */
  args: readonly string[];
  /** Exit statuses that count as success (default `[0]`; `backup` adds 3). */
  okExitCodes?: readonly number[];
  /** Each stdout line that parses as JSON, in order. */
  onJson?: (value: unknown) => void;
  /** Each stderr line that parses as JSON (restic prints per-item errors there). */
  onStderrJson?: (value: unknown) => void;
  /** Environment for this call only, e.g. RESTIC_PROGRESS_FPS. */
  env?: Record<string, string>;
  /** Further secrets to keep out of errors, e.g. a new password. */
  secrets?: readonly string[];
  /**
   * Text for restic's standard input (e.g. a new key's password for `key add`), written once it runs. Only with a
   * password given as a string (it then travels in RESTIC_PASSWORD, so stdin is free).
   */
  stdinText?: string;
  /** Leave out `ctx.repoArgs` (for `version`). */
  withoutRepo?: boolean;
  /** Time between SIGINT and SIGKILL after an abort; default 15 s. */
  killGraceMs?: number;
  /**
   * stdout carries very many lines (`ls` of a whole snapshot): read it in batches through a named pipe (see
   * batched-stdout.ts) instead of on every write. Where that is not available (Windows) an ordinary pipe is used.
   */
  batchedStdout?: boolean;
  /** Work nobody waits for (a background listing): restic runs with a lower CPU priority (see priority.ts). */
  lowPriority?: boolean;
}

export interface RunResult {
  exitCode: number;
  /** The last non-JSON stdout lines (bounded), e.g. the text output of `check` or `prune`. */
  stdoutTail: string;
  /** The last stderr lines (bounded), without terminal escapes and secrets. */
  stderrTail: string;
}

// Variables that would make restic take its password or repository from somewhere else than we say.
const overridden = new Set([
  'RESTIC_PASSWORD',
  'RESTIC_PASSWORD_FILE',
  'RESTIC_PASSWORD_COMMAND',
  'RESTIC_REPOSITORY',
  'RESTIC_REPOSITORY_FILE',
]);

/**
 * The child's environment: ours minus every password/repository source restic would prefer or fall back to,
 * plus `ctx.env`, the per-call env and RESTIC_PASSWORD (when the password is a string; otherwise restic reads
 * it from stdin). Names compare case-insensitively for Windows.
 */
export function buildChildEnv(
  ctx: ResticContext,
  extra: Record<string, string> = {},
  base: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const env: Record<string, string> = {};
  const add = (vars: Record<string, string | undefined>) => {
    for (const [k, v] of Object.entries(vars)) {
      if (v !== undefined && !overridden.has(k.toUpperCase())) env[k] = v;
    }
  };
  add(base);
  add(ctx.env ?? {});
  add(extra);
  if (typeof ctx.password === 'string') env.RESTIC_PASSWORD = ctx.password;
  return env;
}

const DEFAULT_KILL_GRACE_MS = 15_000;

// What restic (0.14 and later) prints on stdout after reading the password from stdin.
const STDIN_PASSWORD_NOTE = 'reading repository password from stdin';

const emptyPassword = () =>
  new ResticError('invalid-argument', 'The repository password is empty.', {
    hint: 'Enter the password of the repository in the settings.',
  });

/**
 * Runs restic once: the only place in Restray that starts it (execa, never a shell; stdin is /dev/null, or a
 * pipe that carries only the password when `ctx.password` is a function, so a missing password can never turn
 * into a prompt or a read from our stdin).
 *
 * Streams stdout and stderr line by line: JSON lines go to `onJson` / `onStderrJson`, all stderr lines and
 * stray stdout lines are kept in bounded tails (200 lines / 64 KiB).
 *
 * Exit statuses: those in `okExitCodes` resolve; others reject with {@link classifyResticFailure}'s error.
 * Errors: `invalid-argument` for an empty password; whatever a password function rejects with (restic is then
 * stopped before it has read a password); `restic-missing` when the binary cannot be started (ENOENT, EACCES);
 * `cancelled` when `signal` aborts
 * (restic is sent SIGINT, both pipes are drained until it exits 130 having removed its lock; SIGKILL follows
 * only after `killGraceMs`; on Windows the first kill is already forceful, so a stale lock may remain); `failed`
 * when restic is killed by a signal we did not send. A callback that throws stops restic the same way and its
 * error is rethrown. If restic finishes with an expected status although an abort came in, the result stands:
 * the work was done.
 *
 * Side effects: a restic child process for the duration of the call.
 */
export async function runRestic(ctx: ResticContext, opts: RunOptions): Promise<RunResult> {
  const lazyPassword = typeof ctx.password === 'function' ? ctx.password : undefined;
  const secrets = [...(typeof ctx.password === 'string' ? [ctx.password] : []), ...(opts.secrets ?? [])];
  const ok = opts.okExitCodes ?? [0];
  if (opts.signal?.aborted) throw cancelled();
  // An empty RESTIC_PASSWORD counts as unset: restic would then read its password from stdin.
  if (!opts.withoutRepo && ctx.password === '') throw emptyPassword();

  const argv = opts.withoutRepo ? [...opts.args] : [...ctx.repoArgs, ...opts.args];
  const batched = opts.batchedStdout ? await openBatchedStdout() : undefined;
  const child = execa(ctx.binary, argv, {
    env: buildChildEnv(ctx, opts.env),
    extendEnv: false,
    stdin: lazyPassword || opts.stdinText !== undefined ? 'pipe' : 'ignore',
    // execa takes any descriptor number ("a file descriptor integer"); its types list only 1–9. child.stdout is
    // then null and never read (drainStdout reads the named pipe).
    stdout: (batched?.fd ?? 'pipe') as 'pipe',
    stderr: 'pipe',
    buffer: false,
    reject: false,
    forceKillAfterDelay: false,
    windowsHide: true,
  });
  // restic holds its own copy now: the read sees the end once restic (and anything it passed stdout on to) exits.
  batched?.closeWriteEnd();
  if (opts.lowPriority && child.pid !== undefined) lowerPriority(child.pid);

  const stdoutTail = new BoundedTail();
  const stderrTail = new BoundedTail();
  let callbackError: unknown;
  let stopRequested = false;
  let forceKilled = false;
  let killTimer: NodeJS.Timeout | undefined;

  const stop = () => {
    if (stopRequested) return;
    stopRequested = true;
    child.kill('SIGINT');
    killTimer = setTimeout(() => {
      forceKilled = true;
      child.kill('SIGKILL');
    }, opts.killGraceMs ?? DEFAULT_KILL_GRACE_MS);
  };
  let aborted = false;
  let offForce = () => {};
  const onAbort = () => {
    aborted = true;
    stop();
    // A forced cancel (a second Ctrl-C) does not wait for the grace period; the lock is removed afterwards.
    offForce =
      cancellationOf(opts.signal)?.onForce(() => {
        forceKilled = true;
        child.kill('SIGKILL');
      }) ?? offForce;
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });

  const guarded = (fn: ((v: unknown) => void) | undefined, value: unknown) => {
    if (fn === undefined || callbackError !== undefined) return;
    try {
      fn(value);
    } catch (e) {
      callbackError = e;
      stop();
    }
  };
  let passwordNote = lazyPassword !== undefined;
  const stdoutLines = new LineSplitter((line) => {
    const json = parseJsonLine(line);
    if (json === undefined) {
      if (passwordNote && line === STDIN_PASSWORD_NOTE) passwordNote = false;
      else if (line.trim().length > 0) stdoutTail.push(stripAnsi(line));
    } else guarded(opts.onJson, json);
  });
  const stderrLines = new LineSplitter((line) => {
    const clean = stripAnsi(line);
    if (clean.trim().length > 0) stderrTail.push(clean);
    const json = parseJsonLine(clean);
    if (json !== undefined) guarded(opts.onStderrJson, json);
  });
  const drain = (stream: Readable | null, lines: LineSplitter): Promise<void> => {
    if (stream === null) return Promise.resolve();
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => lines.push(chunk));
    return finished(stream).then(
      () => lines.end(),
      () => lines.end(),
    );
  };
  // A read error cannot happen on a healthy pipe; should it, restic is stopped (it would block on a full pipe).
  const drainStdout = (): Promise<void> =>
    batched
      ? batched
          .readAll((text) => stdoutLines.push(text))
          .then(
            () => stdoutLines.end(),
            () => {
              stop();
              stdoutLines.end();
            },
          )
      : drain(child.stdout, stdoutLines);

  // The password goes to restic's stdin once known; until then restic starts up. A lookup that fails, or a
  // password restic could not read from one line (then the call starts again with it in the environment),
  // stops restic before it has read anything.
  let passwordError: unknown;
  let lineBreakPassword: string | undefined;
  let exited = false;
  if (lazyPassword) {
    child.stdin?.on('error', () => {}); // restic may exit without reading (EPIPE)
    const stopUnread = () => {
      stop();
      child.stdin?.destroy();
    };
    Promise.resolve()
      .then(lazyPassword)
      .then(
        (pw) => {
          if (exited) return;
          secrets.push(pw);
          if (pw.length === 0) passwordError = emptyPassword();
          else if (/[\r\n]/.test(pw)) lineBreakPassword = pw;
          else return void child.stdin?.end(`${pw}\n`);
          stopUnread();
        },
        (e: unknown) => {
          if (exited) return;
          passwordError = e;
          stopUnread();
        },
      );
  }

  if (opts.stdinText !== undefined && !lazyPassword) {
    child.stdin?.on('error', () => {}); // restic may exit without reading (EPIPE)
    child.stdin?.end(opts.stdinText);
  }

  if (child.pid !== undefined && opts.onSpawn) guarded(opts.onSpawn as (v: unknown) => void, child.pid);
  try {
    const [result] = await Promise.all([child, drainStdout(), drain(child.stderr, stderrLines)]);
    exited = true;
    // Classification reads the raw stderr (a password may be a word of restic's own message, as in
    // "wrong password or no key found"); everything handed out is redacted.
    const rawStderr = stderrTail.toString();
    const tails = {
      stdoutTail: redact(stdoutTail.toString(), secrets),
      stderrTail: redact(rawStderr, secrets),
    };
    if (lineBreakPassword !== undefined)
      return await runRestic({ ...ctx, password: lineBreakPassword }, opts);
    if (passwordError !== undefined) throw passwordError;
    if (callbackError !== undefined) throw callbackError;

    const code = (result as { code?: string }).code;
    if (result.exitCode === undefined && result.signal === undefined) {
      if (code === 'ENOENT') throw resticMissing(`restic was not found at "${ctx.binary}".`, result);
      if (code === 'EACCES') throw resticMissing(`"${ctx.binary}" may not be executed.`, result);
      throw new ResticError(
        'failed',
        redact(`restic could not be started: ${result.shortMessage}`, secrets),
        {
          stderrTail: tails.stderrTail,
        },
      );
    }
    if (result.exitCode !== undefined && ok.includes(result.exitCode))
      return { exitCode: result.exitCode, ...tails };
    if (aborted) {
      const e = cancelled(result.exitCode, tails.stderrTail);
      if (!forceKilled) throw e;
      if (await removedLockOfKilled(ctx, opts)) throw e;
      throw new ResticError('cancelled', e.message, {
        hint: 'restic had to be killed: if the repository stays locked, unlock it.',
        stderrTail: tails.stderrTail,
      });
    }
    if (result.exitCode === undefined)
      throw new ResticError('failed', `restic was stopped by ${result.signal ?? 'a signal'}.`, {
        hint: 'If the repository stays locked, unlock it.',
        stderrTail: tails.stderrTail,
      });
    const failure = classifyResticFailure(result.exitCode, rawStderr, secrets);
    if (ctx.diagnose && (failure.kind === 'failed' || failure.kind === 'network')) {
      const better = await ctx.diagnose(rawStderr);
      if (better)
        throw new ResticError(better.kind, better.message, {
          ...(better.hint ? { hint: better.hint } : {}),
          stderrTail: tails.stderrTail,
          ...(result.exitCode === undefined ? {} : { exitCode: result.exitCode }),
        });
    }
    throw failure;
  } finally {
    exited = true;
    batched?.close();
    if (killTimer !== undefined) clearTimeout(killTimer);
    offForce();
    opts.signal?.removeEventListener('abort', onAbort);
  }
}

const UNLOCK_DEADLINE_MS = 20_000;

/**
 * After restic was killed: `restic unlock` removes the lock the killed process left (its PID is gone on this
 * host, which is what unlock checks). Bounded; true when it worked. Not for calls without a repository.
 */
async function removedLockOfKilled(ctx: ResticContext, opts: RunOptions): Promise<boolean> {
  if (opts.withoutRepo || opts.args[0] === 'unlock') return false;
  try {
    await runRestic(ctx, {
      args: ['unlock'],
      signal: AbortSignal.timeout(UNLOCK_DEADLINE_MS),
      killGraceMs: 2_000,
    });
    return true;
  } catch {
    return false;
  }
}
