import { hostname } from 'node:os';
import type { PiRun, PiStatus } from '../../../contract/pi-status.js';
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
import { loadSigningKey, signedStatusText } from './status-signing.js';
import type { OffsitePaths } from './store.js';

/** What reporting needs from the run: the configuration and the secrets alerts use. */
export interface ReportContext {
  config: PiConfig;
  offsite: OffsiteConfig;
  secrets: Secrets;
}

/**
 * The publish phase: writes state/status.json, signed (with `run` as the last run, or the previous last run when
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
  const text = publishedText(status, p, log);
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

/**
 * The status as stored and published: signed with the offsite Pi's status key (made on first need). Should the
 * key be unusable, the document goes out unsigned and the log says why: a workstation that pinned the key then
 * reports the status as unsigned (unknown, never safe), which is the truth, rather than nothing at all.
 */
function publishedText(status: PiStatus, p: OffsitePaths, log: Log): string {
  try {
    return signedStatusText(status, loadSigningKey(p.root));
  } catch (e) {
    log(`publish: the status goes out unsigned: ${toErrorInfo(e).message}`);
    return statusText(status);
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
