import type { RunRecord } from '../contract/app-state.js';

/** What {@link awaitJob} needs of the engine. */
export interface Cancellable {
  cancel(jobId: string, opts?: { force?: boolean }): void;
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/**
 * Waits for a job's run record while Ctrl-C (SIGINT) and SIGTERM cancel it through the engine: the first
 * signal asks restic to stop cleanly (it removes its lock), a second one kills it at once (the engine removes
 * the lock afterwards). The run is recorded either way; the caller turns a `cancelled` record into exit 130.
 *
 * The listeners are added with `process.on` and kept until the run is recorded: with `process.once` the
 * listener is gone when the signal arrives, so execa's signal-exit believes it is the only listener and
 * re-raises the signal, killing the process before any cancel code runs. On a terminal, `onNotice` shows what
 * happens in the progress line (the caller clears it).
 */
export async function awaitJob(
  engine: Cancellable,
  jobId: string,
  done: Promise<RunRecord>,
  onNotice: (text: string) => void = () => {},
): Promise<RunRecord> {
  let count = 0;
  const onSignal = () => {
    count++;
    if (count === 1) {
      onNotice('Cancelling… (press Ctrl-C again to stop at once)');
      engine.cancel(jobId);
    } else {
      onNotice('Stopping at once…');
      engine.cancel(jobId, { force: true });
    }
  };
  for (const s of SIGNALS) process.on(s, onSignal);
  try {
    return await done;
  } finally {
    for (const s of SIGNALS) process.removeListener(s, onSignal);
  }
}
