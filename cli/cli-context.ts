import { homedir } from 'node:os';
import { resolvePaths } from '../core/config/paths.js';
import { Engine } from '../core/engine/engine.js';
import type { ProcessRole } from '../core/jobs/repo-lock.js';
import { KeytarStore } from '../core/secrets/keytar-store.js';
import { logUnexpected } from './bug-log.js';
import { cliLang, type CliLang } from './cli-lang.js';
import { reportFailure } from './report-failure.js';

/** What every command gets: the engine (opened on first use) and the output streams. */
export interface CliContext {
  engine(): Promise<Engine>;
  out: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  err: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  /**
   * The language of messages: from the locale environment at start, then the configured one once the engine
   * is open (see cliLang). Unset: English.
   */
  lang?: CliLang;
  /** Set by a command that succeeds with a warning status (3: backup incomplete). */
  exitCode: number;
  /** Which Restray process this is, as other processes waiting for its work see it; set before engine(). */
  role?: ProcessRole;
  /**
   * Records the details of an unexpected error (a bug) where the user can find them; returns where, if
   * anywhere. Never throws. The terminal only ever gets one line.
   */
  logBug(e: unknown): string | undefined;
}

/** The real context: OS paths (or RESTRAY_HOME), the OS keychain, this process's streams. */
export function processContext(): CliContext {
  let engine: Promise<Engine> | undefined;
  const paths = resolvePaths(process.platform, process.env, homedir());
  const logBug = (e: unknown) => logUnexpected(paths.logDir, e);
  quietOnBrokenPipe(process.stdout);
  quietOnBrokenPipe(process.stderr);
  const ctx: CliContext = {
    engine: () =>
      (engine ??= Engine.open({
        paths,
        secrets: new KeytarStore(),
        role: ctx.role ?? 'cli',
        keychainInState: false,
        // Through ctx so that a command may add a log of its own (the daemon's) before opening the engine.
        onBug: (e) => ctx.logBug(e),
      }).then((opened) => {
        ctx.lang = cliLang(opened.getConfig().settings.language, process.env);
        return opened;
      })),
    out: process.stdout,
    err: process.stderr,
    stdin: process.stdin,
    exitCode: 0,
    lang: cliLang(undefined, process.env),
    role: 'cli',
    logBug,
  };
  // Whatever escapes a command (an error in an event handler, a rejection nobody awaited) still ends as one
  // line and a log entry, never a stack trace.
  const last = (e: unknown) => {
    process.exitCode = reportFailure(ctx, e);
    process.stderr.write('', () => process.exit());
  };
  process.on('uncaughtException', last);
  process.on('unhandledRejection', last);
  return ctx;
}

/**
 * `restray ls … | head`: once the reader has gone, writes fail with EPIPE. They are then dropped quietly
 * instead of ending in an uncaught exception; the command finishes normally (restic is not killed, so it
 * leaves no lock).
 */
function quietOnBrokenPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE' && e.code !== 'ERR_STREAM_DESTROYED') throw e;
  });
}

/** Writes one JSON document per line (the `--json` output of every command). */
export function printJson(ctx: CliContext, value: unknown): void {
  ctx.out.write(`${JSON.stringify(value)}\n`);
}
