import type { SnapshotRef } from '../../contract/app-state.js';
import type { ErrorInfo } from '../../contract/errors.js';
import type { PiStatus, PiStatusSignature } from '../../contract/pi-status.js';

/**
 * What one look at the offsite status gave. `via` says whose connection read it: the onsite Pi's status account
 * (the normal way) or the read-only account on the offsite Pi (when the onsite Pi cannot be reached).
 *
 * Problems: `unreachable` — the Pi did not answer (network, timeout); `refused` — it answered but refused the key
 * or its host key did not match the pinned one; `missing` — no status has been published yet; `invalid` — the
 * document is too large, not JSON, of another schema version or does not validate.
 */
export type StatusObservation = (
  | {
      ok: true;
      via: StatusSource;
      at: string;
      status: PiStatus;
      /** A signed (version-2) document: the signature and the exact bytes it covers, not yet verified. */
      signed?: { payload: string; signature: PiStatusSignature } | undefined;
    }
  | {
      ok: false;
      via: StatusSource;
      at: string;
      problem: 'unreachable' | 'refused' | 'missing' | 'invalid';
      error: ErrorInfo;
    }
) & {
  /** Read from the offsite Pi because the onsite Pi's status account did not answer: why it did not. */
  onsiteUnreachable?: ErrorInfo;
  /**
   * The same document read from the offsite Pi itself (read-only restore access) while the onsite Pi answered:
   * the cross-check of what the onsite Pi serves (see status-trust.ts).
   */
  direct?: StatusObservation;
};

export type StatusSource = 'onsite' | 'offsite';

/** This workstation's snapshots as the onsite repository lists them (`restic snapshots --host <this host>`). */
export type SnapshotsObservation =
  { ok: true; at: string; snapshots: SnapshotRef[] } | { ok: false; at: string; error: ErrorInfo };
