import type { AppState, Job } from '../../contract/app-state.js';
import type { Screen } from '../../contract/ipc.js';
import { lastBackups } from './tray-icon.js';
import { formatDuration, formatPercent, formatWhen, strings, type Lang, type Strings } from './strings.js';

/** What a menu entry does; the glue (tray.ts) maps it to an engine call or a window action. */
export type TrayAction =
  | { type: 'backup-now'; plan: string }
  | { type: 'cancel'; jobId: string }
  | { type: 'pause'; until: string }
  | { type: 'resume' }
  | { type: 'open'; screen: Screen }
  | { type: 'quit' };

/** A menu entry as plain data (no click functions), so the whole menu is a testable value. */
export type TrayItem =
  | { kind: 'separator' }
  | { kind: 'label'; label: string }
  | { kind: 'action'; label: string; action: TrayAction; enabled?: boolean }
  | { kind: 'submenu'; label: string; items: TrayItem[] };

/** The start of the next calendar day in local time: "until tomorrow" means scheduled runs resume then. */
export function startOfTomorrow(now: Date): Date {
  const d = new Date(now);
  d.setHours(24, 0, 0, 0);
  return d;
}

function lastBackupLine(state: AppState, now: Date, lang: Lang, s: Strings): string {
  const runs = lastBackups(state).sort((a, b) => Date.parse(b.endedAt) - Date.parse(a.endedAt));
  const last = runs[0];
  if (!last) return s.noBackupYet;
  const result = {
    success: s.resultSuccess,
    partial: s.resultPartial,
    failed: s.resultFailed,
    cancelled: s.resultCancelled,
  }[last.result];
  return s.lastBackup(formatWhen(last.endedAt, now, lang), result);
}

function offsiteLine(state: AppState, lang: Lang, s: Strings): string {
  // With several repositories the worst one speaks for all: the menu has room for one line.
  const rank = (v: string) =>
    (
      ({
        'at-risk': -1,
        blocked: 0,
        failed: 1,
        unknown: 2,
        'not-yet-offsite': 3,
        'no-backup': 4,
        'no-offsite': 5,
        safe: 6,
      }) as Record<string, number>
    )[v] ?? 2;
  const worst = [...state.repos].sort((a, b) => {
    const key = (c: typeof a.chain) =>
      c.verdict !== 'at-risk' && (c.offsite.state === 'blocked' || c.offsite.state === 'failed')
        ? c.offsite.state
        : c.verdict;
    const ka = key(a.chain);
    const kb = key(b.chain);
    return rank(ka) - rank(kb);
  })[0];
  if (!worst) return s.offsiteNone;
  const { chain } = worst;
  if (chain.verdict === 'at-risk') return s.atRiskLine;
  if (chain.offsite.state === 'blocked') return s.offsiteBlocked;
  if (chain.offsite.state === 'failed') return s.offsiteFailed;
  switch (chain.verdict) {
    case 'safe':
      return s.offsiteSafe;
    case 'not-yet-offsite':
      return chain.offsite.lagSeconds !== undefined
        ? s.offsiteBehind(formatDuration(chain.offsite.lagSeconds, lang))
        : s.offsiteNotYet;
    case 'no-offsite':
      return s.offsiteNone;
    case 'no-backup':
      return s.noBackupYet;
    case 'unknown':
      return s.offsiteUnknown;
  }
}

function jobLine(job: Job, lang: Lang, s: Strings): string {
  const pct = formatPercent(job.progress?.fraction, lang);
  // A restore drill restores too (a sample, to compare it).
  const restoring = job.kind === 'restore' || job.kind === 'drill';
  return (restoring ? s.restoring(pct) : s.running(job.plan ?? job.repo, pct)).trim();
}

/**
 * Pure: the tray menu for a state. Status lines first (last backup, offsite), the running job with Cancel,
 * then actions. Without a configuration only Open and Quit make sense.
 */
export function trayMenu(state: AppState | undefined, now: Date, lang: Lang): TrayItem[] {
  const s = strings[lang];
  const open: TrayItem = { kind: 'action', label: s.open, action: { type: 'open', screen: 'dashboard' } };
  const quit: TrayItem = { kind: 'action', label: s.quit, action: { type: 'quit' } };
  if (!state || state.config.repositories.length === 0) {
    return [
      { kind: 'label', label: s.setupNeeded },
      { kind: 'separator' },
      { kind: 'action', label: s.open, action: { type: 'open', screen: 'setup' } },
      { kind: 'separator' },
      quit,
    ];
  }
  const items: TrayItem[] = [
    { kind: 'label', label: lastBackupLine(state, now, lang, s) },
    { kind: 'label', label: offsiteLine(state, lang, s) },
  ];
  const active = state.jobs.filter((j) => j.state !== 'queued');
  for (const job of active) {
    items.push({ kind: 'label', label: jobLine(job, lang, s) });
    items.push({
      kind: 'action',
      label: s.cancel,
      action: { type: 'cancel', jobId: job.id },
      enabled: job.state !== 'cancelling',
    });
  }
  items.push({ kind: 'separator' });

  const plans = state.config.plans;
  if (plans.length === 1) {
    items.push({ kind: 'action', label: s.backupNow, action: { type: 'backup-now', plan: plans[0]!.name } });
  } else if (plans.length > 1) {
    items.push({
      kind: 'submenu',
      label: s.backupNow,
      items: plans.map((p) => ({
        kind: 'action',
        label: s.backupPlan(p.name),
        action: { type: 'backup-now', plan: p.name },
      })),
    });
  }

  const paused = state.pausedUntil !== undefined && Date.parse(state.pausedUntil) > now.getTime();
  if (paused) {
    items.push({ kind: 'label', label: s.pausedUntil(formatWhen(state.pausedUntil!, now, lang)) });
    items.push({ kind: 'action', label: s.resume, action: { type: 'resume' } });
  } else {
    const at = (ms: number) => new Date(now.getTime() + ms).toISOString();
    items.push({
      kind: 'submenu',
      label: s.pause,
      items: [
        { kind: 'action', label: s.pause1h, action: { type: 'pause', until: at(3_600_000) } },
        { kind: 'action', label: s.pause4h, action: { type: 'pause', until: at(4 * 3_600_000) } },
        {
          kind: 'action',
          label: s.pauseTomorrow,
          action: { type: 'pause', until: startOfTomorrow(now).toISOString() },
        },
      ],
    });
  }
  items.push({ kind: 'separator' });
  items.push({ kind: 'action', label: s.restoreFiles, action: { type: 'open', screen: 'restore' } });
  items.push(open);
  items.push({ kind: 'separator' });
  items.push(quit);
  return items;
}
