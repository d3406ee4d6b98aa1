import { execa } from 'execa';
import { hostname } from 'node:os';
import type { AlertsConfig, Secrets } from './config.js';
import { readJson, writeJsonAtomic } from './fs-util.js';

export type AlertEvent =
  'failed' | 'blocked' | 'stale' | 'damaged' | 'onsite-damage' | 'quarantined' | 'lock-stuck' | 'recovered';

/** One alert: plain text only; never a secret (URLs and tokens stay in the transport). */
export interface Alert {
  event: AlertEvent;
  repository: string;
  host: string;
  time: string;
  message: string;
  hint?: string | undefined;
}

export type Log = (line: string) => void;

const titles: Record<AlertEvent, string> = {
  failed: 'offsite copy failed',
  blocked: 'offsite copy blocked',
  stale: 'offsite copy is stale',
  damaged: 'offsite copy damaged',
  'onsite-damage': 'onsite repository damaged (offsite copy healed)',
  quarantined: 'onsite files quarantined offsite',
  'lock-stuck': 'onsite lock stays fresh',
  recovered: 'offsite copy works again',
};

export function alertTitle(a: Alert): string {
  return `restray-pi ${a.repository}: ${titles[a.event]}`;
}

/**
 * Posts the alert as JSON to the `webhook-url` secret (`Authorization: Bearer <webhook-token>` when that secret
 * is set). The body is generic; ntfy accepts it as the message and takes the `Title` header. Throws on a
 * non-2xx answer or a timeout; the message names the status, never the URL (it may carry a token).
 */
export async function postWebhook(
  a: Alert,
  url: string,
  token: string | undefined,
  timeoutMs: number,
): Promise<void> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      title: alertTitle(a),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ source: 'restray-pi', title: alertTitle(a), ...a }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  await res.arrayBuffer().catch(() => undefined);
  if (!res.ok) throw new Error(`webhook answered HTTP ${res.status}`);
}

/** Builds an RFC 5322 message; header values are stripped of line breaks so text cannot inject headers. */
export function mailMessage(a: Alert, to: readonly string[], from: string): string {
  const clean = (s: string) => s.replace(/[\r\n]+/g, ' ');
  return [
    `From: ${clean(from)}`,
    `To: ${to.map(clean).join(', ')}`,
    `Subject: ${clean(alertTitle(a))}`,
    `Date: ${new Date(a.time).toUTCString()}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    'Auto-Submitted: auto-generated',
    '',
    a.message,
    ...(a.hint ? ['', a.hint] : []),
    '',
    `Repository: ${a.repository}`,
    `Offsite host: ${a.host}`,
    `Time: ${a.time}`,
    '',
  ].join('\n');
}

/** Hands the message to the system MTA: `sendmail -t -i` reads the recipients from the headers. */
export async function sendMail(
  a: Alert,
  cfg: NonNullable<AlertsConfig['mail']>,
  timeoutMs: number,
): Promise<void> {
  const from = cfg.from ?? `restray-pi@${hostname()}`;
  await execa(cfg.sendmail, ['-t', '-i'], {
    input: mailMessage(a, cfg.to, from),
    timeout: timeoutMs,
    stdout: 'ignore',
  });
}

/**
 * healthchecks.io-style ping: `start` → `<url>/start`, `success` → `<url>`, `fail` → `<url>/fail` with the
 * message as body. Failures are logged and swallowed: monitoring must not break a backup run.
 */
export async function pingHealthchecks(
  kind: 'start' | 'success' | 'fail',
  secrets: Secrets,
  cfg: AlertsConfig,
  log: Log,
  body = '',
): Promise<void> {
  if (!cfg.healthchecks) return;
  const base = secrets.get('healthchecks-url');
  if (!base) {
    log('alerts: healthchecks is on but the healthchecks-url secret is not set');
    return;
  }
  const url = base.replace(/\/+$/, '') + (kind === 'start' ? '/start' : kind === 'fail' ? '/fail' : '');
  try {
    const res = await fetch(url, { method: 'POST', body, signal: AbortSignal.timeout(cfg.timeoutMs) });
    await res.arrayBuffer().catch(() => undefined);
    if (!res.ok) log(`alerts: healthchecks ${kind} ping answered HTTP ${res.status}`);
  } catch (e) {
    log(`alerts: healthchecks ${kind} ping failed: ${(e as Error).name}`);
  }
}

interface AlertLog {
  sent: Record<string, string>;
}

/**
 * Sends an alert through every configured channel, at most once per `repeatAfterHours` for the same event and
 * message (a 10-minute change-check timer must not mail every 10 minutes while a link is down). A channel that
 * fails is logged; the others still run. `recovered` clears the memory so the next failure alerts at once.
 *
 * @param stateFile JSON file remembering when each alert was last sent
 * @returns the channels that delivered it (empty when suppressed or none configured)
 */
export async function raiseAlert(
  a: Alert,
  cfg: AlertsConfig,
  secrets: Secrets,
  stateFile: string,
  log: Log,
): Promise<string[]> {
  const state = ((readJson(stateFile) as AlertLog | undefined) ?? { sent: {} }) satisfies AlertLog;
  const key = `${a.event}:${a.message}`;
  const last = state.sent[key];
  if (
    a.event !== 'recovered' &&
    last &&
    Date.parse(a.time) - Date.parse(last) < cfg.repeatAfterHours * 3_600_000
  ) {
    log(`alerts: "${a.event}" already sent at ${last}; not repeated`);
    return [];
  }
  const delivered: string[] = [];
  if (cfg.webhook) {
    const url = secrets.get('webhook-url');
    if (!url) log('alerts: webhook is on but the webhook-url secret is not set');
    else
      try {
        await postWebhook(a, url, secrets.get('webhook-token'), cfg.timeoutMs);
        delivered.push('webhook');
      } catch (e) {
        log(`alerts: webhook failed: ${(e as Error).message.replace(url, '<webhook-url>')}`);
      }
  }
  if (cfg.mail)
    try {
      await sendMail(a, cfg.mail, cfg.timeoutMs);
      delivered.push('mail');
    } catch (e) {
      log(`alerts: sendmail failed: ${(e as { shortMessage?: string }).shortMessage ?? String(e)}`);
    }
  state.sent = a.event === 'recovered' ? {} : { ...state.sent, [key]: a.time };
  writeJsonAtomic(stateFile, state);
  log(
    `alert ${a.event}: ${a.message}${delivered.length ? ` (sent by ${delivered.join(', ')})` : ' (no channel delivered it)'}`,
  );
  return delivered;
}
