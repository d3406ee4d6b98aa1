import { hostname } from 'node:os';
import type { PiRun } from '../../../contract/pi-status.js';
import { pingHealthchecks, raiseAlert, type Alert, type Log } from '../alerts.js';
import type { OffsiteConfig, PiConfig, Secrets } from '../config.js';
import { toErrorInfo } from '../errors.js';
import {
  buildStatus,
  nextTimerRun,
  publishStatus,
  statusText,
  writeStatus,
  type PendingPublish,
} from './status.js';
import { crashPoint } from './crash-point.js';
import type { OffsitePaths } from './store.js';

/** What reporting needs from the run: the configuration and the secrets alerts use. */
export interface ReportContext {
  config: PiConfig;
  offsite: OffsiteConfig;
  secrets: Secrets;
}

/**
 * The publish phase: writes state/status.json (with `run` as the last run, or the previous last run when
 * undefined) and publishes it onsite over `pending` when given (a failed publish is logged, never fails the
 * run), then alerts staleness. The status is built from generations/ (see buildStatus), so it lists exactly the
 * generations on disk at this moment.
 */
export async function finishStatus(
  o: ReportContext,
  p: OffsitePaths,
  t: Date,
  run: PiRun | undefined,
  log: Log,
  pending?: {
    publishPending?: PendingPublish | undefined;
    nextRun?: Promise<string | undefined> | undefined;
  },
): Promise<void> {
  const status = buildStatus(p, o.config, o.offsite, t, run, await (pending?.nextRun ?? nextTimerRun()));
  const text = statusText(status);
  // The upload and the local write (with its fsync) go on at the same time; the run ends after both.
  const publishing = publishStatus(p, o.offsite, text, pending?.publishPending, log).catch((e) =>
    log(`publish: ${toErrorInfo(e).message}`),
  );
  try {
    writeStatus(p, text);
    crashPoint('publish:written');
  } finally {
    await publishing;
  }
  crashPoint('publish:sent');
  if (status.stale) {
    const since = status.lastSuccess ?? 'never';
    await alert(
      o,
      p,
      'stale',
      `No successful offsite sync since ${since} (limit ${o.offsite.staleAfterHours} h).`,
      log,
      t,
    );
  }
}

/** Raises an alert about this repository (see alerts.ts: webhook, mail, repeat suppression). */
export async function alert(
  o: Pick<ReportContext, 'config' | 'secrets'>,
  p: OffsitePaths,
  event: Alert['event'],
  message: string,
  log: Log,
  t: Date,
  hint?: string,
): Promise<void> {
  await raiseAlert(
    { event, repository: o.config.name, host: hostname(), time: t.toISOString(), message, hint },
    o.config.alerts,
    o.secrets,
    p.alerts,
    log,
  );
}

/** Sends a healthchecks end ping after the start ping (if one is under way) has gone out. */
export async function endPing(
  o: Pick<ReportContext, 'config' | 'secrets'>,
  startPing: Promise<void> | undefined,
  kind: 'success' | 'fail',
  log: Log,
  body?: string,
): Promise<void> {
  if (startPing) await startPing;
  await pingHealthchecks(kind, o.secrets, o.config.alerts, log, body);
}
