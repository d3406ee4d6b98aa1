import type { PiConfig } from '../../pi/src/config.js';
import { loadSecrets } from '../../pi/src/config.js';
import { runSync, type SyncOutcome } from '../../pi/src/offsite/sync.js';

/** A running stand-in for the offsite Pi's pull timer. */
export interface SyncLoop {
  /** Outcomes so far, oldest first (skipped runs included). */
  outcomes: SyncOutcome[];
  /** Errors of runs that threw (e.g. another run held the run lock), oldest first. */
  errors: unknown[];
  /** Ends the loop; waits for the current run, which the abort ends early. */
  stop(): Promise<void>;
}

/** Options of {@link startSyncLoop}. */
export interface SyncLoopOptions {
  config: PiConfig;
  /** Pause between runs: the timer's period, shortened (default 200 ms for tests). */
  intervalMs?: number;
  /** Called after each run (skipped ones too), e.g. to print what the offsite Pi did. */
  onOutcome?: (o: SyncOutcome) => void;
  onError?: (e: unknown) => void;
}

/**
 * `restray-pi sync --if-changed` again and again, as restray-pi-pull.timer runs it, for ONE offsite config.
 * The chain lab's own loop (ChainLab.syncLoop) covers its config with a fixed short pause; this one takes any
 * config (several repositories, one config each) and a period, so `npm run lab` does not list the onsite
 * repository five times a second for hours.
 */
export function startSyncLoop(o: SyncLoopOptions): SyncLoop {
  const outcomes: SyncOutcome[] = [];
  const errors: unknown[] = [];
  const abort = new AbortController();
  const secrets = loadSecrets(o.config.secretsFile);
  let wake: (() => void) | undefined;
  const loop = (async () => {
    while (!abort.signal.aborted) {
      try {
        const outcome = await runSync({
          config: o.config,
          offsite: o.config.offsite!,
          secrets,
          trigger: 'change',
          ifChanged: true,
          log: () => undefined,
          signal: abort.signal,
        });
        outcomes.push(outcome);
        // A run the stop cancelled reports itself as failed: not news for whoever stopped the loop.
        if (!abort.signal.aborted) o.onOutcome?.(outcome);
      } catch (e) {
        if (!abort.signal.aborted) {
          errors.push(e);
          o.onError?.(e);
        }
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, o.intervalMs ?? 200);
      });
    }
  })();
  return {
    outcomes,
    errors,
    stop: async () => {
      abort.abort();
      wake?.();
      await loop;
    },
  };
}
