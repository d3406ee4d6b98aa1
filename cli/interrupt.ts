import type { RunRecord } from '../contract/app-state.js';
import { Cancellation } from '../core/restic/cancellation.js';
import type { CliLang } from './cli-lang.js';
import { cliText } from './cli-text.js';

/** What {@link awaitJob} needs of the engine. */
export interface Cancellable {
  cancel(jobId: string, opts?: { force?: boolean }): void;
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/**
 * Runs `work` while Ctrl-C (SIGINT) and SIGTERM call `onFirst` for the first signal and `onAgain` for every
 * later one. The listeners are added with `process.on` and kept until `work` settles: with `process.once` the
 * listener is gone when the signal arrives, so execa's signal-exit believes it is the only listener and
 * re-raises the signal, killing the process before any cancel code runs.
 */
async function whileSignalled<T>(work: Promise<T>, onFirst: () => void, onAgain: () => void): Promise<T> {
  let count = 0;
  const onSignal = () => (++count === 1 ? onFirst() : onAgain());
  for (const s of SIGNALS) process.on(s, onSignal);
  try {
    return await work;
  } finally {
    for (const s of SIGNALS) process.removeListener(s, onSignal);
  }
}

/**
 * Waits for a job's run record while Ctrl-C (SIGINT) and SIGTERM cancel it through the engine: the first
 * signal asks restic to stop cleanly (it removes its lock), a second one kills it at once (the engine removes
 * the lock afterwards). The run is recorded either way; the caller turns a `cancelled` record into exit 130.
 * On a terminal, `onNotice` shows what happens in the progress line (the caller clears it), in `lang`.
 */
export async function awaitJob(
  engine: Cancellable,
  jobId: string,
  done: Promise<RunRecord>,
  onNotice: (text: string) => void = () => {},
  lang?: CliLang,
): Promise<RunRecord> {
  const t = cliText(lang);
  return whileSignalled(
    done,
    () => {
      onNotice(t.cancelling);
      engine.cancel(jobId);
    },
    () => {
      onNotice(t.stoppingNow);
      engine.cancel(jobId, { force: true });
    },
  );
}

/**
 * Runs engine work that takes an AbortSignal (`snapshots`, `ls`, `forget`, `check`) so that Ctrl-C and
 * SIGTERM cancel it through the engine's cancel path: the first signal aborts with a {@link Cancellation}
 * (restic gets SIGINT and removes its lock), a second one forces it (SIGKILL, then `restic unlock`). The work
 * then rejects with kind `cancelled` (or resolves with a cancelled run record), which the CLI reports as one
 * line and exit 130.
 */
export async function interruptible<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const abort = new AbortController();
  const cancellation = new Cancellation();
  return whileSignalled(
    work(abort.signal),
    () => abort.abort(cancellation),
    () => cancellation.force(),
  );
}
