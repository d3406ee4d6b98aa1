import type { AppState, RunRecord } from '../../contract/app-state.js';
import { chainAdvice, drillAdvice } from '../../contract/chain-advice.js';
import { adviceFormat, adviceLine, formatPercent, formatWhen, strings, type Lang } from './strings.js';

/** The five tray looks. */
export type TrayLook = 'ok' | 'running' | 'warning' | 'error' | 'paused';

export interface TrayStatus {
  look: TrayLook;
  tooltip: string;
}

const DAY = 86_400_000;

/** Newest finished backup per plan (recentRuns is newest first; PlanState.lastRun wins when present). */
export function lastBackups(state: AppState): RunRecord[] {
  return state.plans.flatMap((p) => {
    const run = p.lastRun ?? state.recentRuns.find((r) => r.kind === 'backup' && r.plan === p.name);
    return run ? [run] : [];
  });
}

/** Plans whose newest successful (or partial) backup is older than the stale limit, or that never had one. */
export function stalePlans(state: AppState, now: Date): { plan: string; days: number }[] {
  const limit = state.config.notifications.staleAfterDays;
  return state.plans.flatMap((p) => {
    const ok = state.recentRuns.find(
      (r) => r.kind === 'backup' && r.plan === p.name && (r.result === 'success' || r.result === 'partial'),
    );
    const since = ok ? Date.parse(ok.endedAt) : undefined;
    if (since === undefined) return [];
    const days = Math.floor((now.getTime() - since) / DAY);
    return days >= limit ? [{ plan: p.name, days }] : [];
  });
}

/**
 * Pure: the tray look and tooltip for a state. Order matters: a running backup shows as running, a pause as
 * paused; then a repository whose backups are at risk (warning, its reason and next step: the same verdict the
 * dashboard and `restray status` show), a failed last backup (error), then the chain and staleness (warning).
 */
export function trayStatus(state: AppState | undefined, now: Date, lang: Lang): TrayStatus {
  const s = strings[lang];
  if (!state || state.config.repositories.length === 0) return { look: 'warning', tooltip: s.setupNeeded };
  const running = state.jobs.find((j) => j.state !== 'queued' && j.kind === 'backup');
  if (running) {
    const pct = formatPercent(running.progress?.fraction, lang);
    return { look: 'running', tooltip: s.tipRunning(pct).trim() };
  }
  if (state.pausedUntil && Date.parse(state.pausedUntil) > now.getTime()) {
    return { look: 'paused', tooltip: s.tipPaused(formatWhen(state.pausedUntil, now, lang)) };
  }
  const fmt = adviceFormat(now, lang);
  const atRisk = state.repos.find((r) => r.chain.verdict === 'at-risk');
  const riskAdvice = atRisk && chainAdvice(atRisk.chain, lang, fmt);
  if (riskAdvice) return { look: 'warning', tooltip: s.tipAtRisk(adviceLine(riskAdvice)) };
  const failed = lastBackups(state).find((r) => r.result === 'failed');
  if (failed) return { look: 'error', tooltip: s.tipError(failed.error?.message ?? s.unknownReason) };
  const lagLimit = state.config.notifications.offsiteLagHours * 3600;
  const reasons: string[] = [];
  for (const repo of state.repos) {
    const off = repo.chain.offsite;
    const forged = off.trust?.state === 'rejected';
    const needsAttention =
      forged ||
      repo.chain.onsite.state === 'unreachable' ||
      repo.chain.onsite.state === 'failed' ||
      off.state === 'blocked' ||
      off.state === 'failed' ||
      repo.chain.verdict === 'unknown' ||
      (repo.chain.verdict === 'not-yet-offsite' && (off.lagSeconds ?? 0) > lagLimit);
    if (!needsAttention) continue;
    const advice = forged ? undefined : chainAdvice(repo.chain, lang, fmt);
    reasons.push(forged ? s.offsiteForged : advice ? adviceLine(advice) : s.offsiteUnknown);
  }
  for (const repo of state.repos) {
    // The last restore drill found damage (or could not run): a warning until a drill passes.
    const drill = drillAdvice(repo.lastDrill, lang);
    if (drill) reasons.push(adviceLine(drill));
  }
  if (state.repos.some((r) => r.chain.offsite.trust?.state === 'not-pinned'))
    reasons.push(s.offsiteNotSigned);
  const partial = lastBackups(state).find((r) => r.result === 'partial');
  if (partial) reasons.push(s.resultPartial);
  for (const st of stalePlans(state, now)) reasons.push(s.stale(st.days));
  if (reasons.length > 0) return { look: 'warning', tooltip: s.tipWarning(reasons[0]!) };
  return { look: 'ok', tooltip: s.tipOk };
}

/**
 * File name of a tray image under assets/tray/. macOS gets black-and-alpha template images (the system tints
 * them for light/dark menu bars; `Template` in the name tells Electron so); Windows an .ico with 16/32 px; Linux
 * a coloured PNG.
 */
export function trayIconFile(look: TrayLook, platform: NodeJS.Platform): string {
  if (platform === 'darwin') return `tray-${look}Template.png`;
  if (platform === 'win32') return `tray-${look}.ico`;
  return `tray-${look}.png`;
}
