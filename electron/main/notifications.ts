import type { AppState, ChainStatus, EngineEvent } from '../../contract/app-state.js';
import type { NotificationLevel } from '../../contract/config.js';
import type { z } from 'zod';
import type { Screen } from '../../contract/ipc.js';
import { stalePlans } from './tray-icon.js';
import { chainAdvice, drillAdvice } from '../../contract/chain-advice.js';
import { drillFailedTitle } from '../../contract/drill-text.js';
import { adviceFormat, adviceLine, formatDuration, strings, type Lang } from './strings.js';

/** A notification to show: its severity decides whether the user's level lets it through. */
export interface Notice {
  severity: 'error' | 'warning' | 'info';
  title: string;
  body: string;
  /** Clicking opens this screen (a failed run opens its log). */
  open?: { screen: Screen; runId?: string };
  /** Same key → shown once (e.g. one stale warning per plan and last success). */
  key: string;
}

type Level = z.infer<typeof NotificationLevel>;

/** errors → only errors; warnings → errors and warnings; all → everything. */
export function passes(severity: Notice['severity'], level: Level): boolean {
  if (severity === 'error') return true;
  if (severity === 'warning') return level !== 'errors';
  return level === 'all';
}

export interface NoticeContext {
  lang: Lang;
  now: Date;
  /** True when the window is visible and focused: a failure of a run the user started there is shown inline. */
  windowFocused: boolean;
}

/**
 * One notice when a chain turns at risk (from any other verdict); none while it stays at risk, however many
 * backups fail meanwhile. A failing backup is an error (and opens its log), backups that are too old a warning.
 */
function atRiskNotices(prev: ChainStatus | undefined, next: ChainStatus, ctx: NoticeContext): Notice[] {
  const risk = next.risk;
  if (next.verdict !== 'at-risk' || !risk || prev?.verdict === 'at-risk') return [];
  const advice = chainAdvice(next, ctx.lang, adviceFormat(ctx.now, ctx.lang));
  if (!advice) return [];
  return [
    {
      severity: risk.cause === 'failed' ? 'error' : 'warning',
      title: strings[ctx.lang].nAtRiskTitle,
      body: adviceLine(advice),
      open: risk.runId ? { screen: 'logs', runId: risk.runId } : { screen: 'dashboard' },
      key: `at-risk:${next.repo}:${risk.plan ?? risk.cause}:${risk.since ?? next.workstation.newestSnapshot?.id ?? ''}`,
    },
  ];
}

function offsiteNotices(
  prev: ChainStatus | undefined,
  next: ChainStatus,
  state: AppState,
  ctx: NoticeContext,
): Notice[] {
  const s = strings[ctx.lang];
  const off = next.offsite;
  const was = prev?.offsite;
  if (off.state === 'blocked' && was?.state !== 'blocked') {
    return [
      {
        severity: 'error',
        title: s.nOffsiteBlockedTitle,
        body: s.nOffsiteBlockedBody(next.repo),
        open: { screen: 'dashboard' },
        key: `blocked:${next.repo}:${off.lastSuccess ?? ''}`,
      },
    ];
  }
  const problem = off.trust?.state === 'rejected' ? off.trust.problem : undefined;
  if (problem && (was?.trust?.state !== 'rejected' || was.trust.problem !== problem)) {
    return [
      {
        severity: 'error',
        title: s.nOffsiteForgedTitle,
        body: s.nOffsiteForgedBody(next.repo, problem),
        open: { screen: 'dashboard' },
        key: `trust:${next.repo}:${problem}:${next.checkedAt ?? ''}`,
      },
    ];
  }
  if (off.state === 'failed' && was?.state !== 'failed') {
    return [
      {
        severity: 'warning',
        title: s.nOffsiteFailedTitle,
        body: s.nOffsiteFailedBody(next.repo, off.reason ?? s.unknownReason),
        open: { screen: 'dashboard' },
        key: `offsite-failed:${next.repo}:${off.lastSuccess ?? ''}`,
      },
    ];
  }
  const limit = state.config.notifications.offsiteLagHours * 3600;
  const lagNow = next.verdict === 'not-yet-offsite' ? (off.lagSeconds ?? 0) : 0;
  const lagBefore = prev?.verdict === 'not-yet-offsite' ? (was?.lagSeconds ?? 0) : 0;
  if (lagNow > limit && lagBefore <= limit) {
    return [
      {
        severity: 'warning',
        title: s.nOffsiteLagTitle,
        body: s.nOffsiteLagBody(next.repo, formatDuration(lagNow, ctx.lang)),
        open: { screen: 'dashboard' },
        key: `lag:${next.repo}:${next.workstation.newestSnapshot?.id ?? ''}`,
      },
    ];
  }
  return [];
}

/**
 * Pure: the notices an engine event causes, given the state before it. Backups of a plan: a failure is told by
 * the chain turning at risk (once per failing stretch, error, with the reason, the next step and a link to the
 * newest failure's log), partial (warning), success (info). Restores: finished (warning level, since the
 * user waits for it), failed (error). Offsite: blocked (error), failed or lagging past the limit (warning).
 * Cancelled runs and manual failures seen in a focused window stay silent (the window shows them).
 */
export function noticesForEvent(prev: AppState, event: EngineEvent, ctx: NoticeContext): Notice[] {
  const s = strings[ctx.lang];
  if (event.type === 'chain-changed') {
    const before = prev.repos.find((r) => r.name === event.chain.repo)?.chain;
    return [...atRiskNotices(before, event.chain, ctx), ...offsiteNotices(before, event.chain, prev, ctx)];
  }
  if (event.type !== 'job-finished') return [];
  const run = event.run;
  const reason = run.error?.message ?? s.unknownReason;
  const seenInWindow = run.trigger === 'manual' && ctx.windowFocused;
  if (run.kind === 'restore') {
    if (run.result === 'failed' && !seenInWindow)
      return [
        {
          severity: 'error',
          title: s.nRestoreFailedTitle,
          body: s.nRestoreFailedBody(reason),
          open: { screen: 'logs', runId: run.id },
          key: `run:${run.id}`,
        },
      ];
    if ((run.result === 'success' || run.result === 'partial') && !ctx.windowFocused) {
      const r = run.restore;
      return [
        {
          severity: 'warning',
          title: s.nRestoreOkTitle,
          body: s.nRestoreOkBody(r?.filesRestored ?? 0, r?.target ?? ''),
          open: { screen: 'restore' },
          key: `run:${run.id}`,
        },
      ];
    }
    return [];
  }
  if (run.kind === 'drill') {
    // One warning per failed drill, naming the damaged file (or why it could not run); a pass is silent.
    const advice = drillAdvice(run, ctx.lang);
    return advice && !seenInWindow
      ? [
          {
            severity: 'warning',
            title: drillFailedTitle(ctx.lang),
            body: adviceLine(advice),
            open: { screen: 'logs', runId: run.id },
            key: `run:${run.id}`,
          },
        ]
      : [];
  }
  if (run.kind !== 'backup') {
    // forget/prune/check failures matter too (e.g. a locked or damaged repository), as errors.
    if (run.result === 'failed' && !seenInWindow)
      return [
        {
          severity: 'error',
          title: s.nBackupFailedTitle,
          body: s.nBackupFailedBody(run.plan ?? run.repo, reason),
          open: { screen: 'logs', runId: run.id },
          key: `run:${run.id}`,
        },
      ];
    return [];
  }
  const plan = run.plan ?? run.repo;
  switch (run.result) {
    case 'failed':
      // A plan's failure makes its chain at risk: the chain-changed that follows notifies once per stretch.
      return seenInWindow || run.plan !== undefined
        ? []
        : [
            {
              severity: 'error',
              title: s.nBackupFailedTitle,
              body: s.nBackupFailedBody(plan, reason),
              open: { screen: 'logs', runId: run.id },
              key: `run:${run.id}`,
            },
          ];
    case 'partial':
      return [
        {
          severity: 'warning',
          title: s.nBackupPartialTitle,
          body: s.nBackupPartialBody(plan, run.warnings?.length ?? 0),
          open: { screen: 'logs', runId: run.id },
          key: `run:${run.id}`,
        },
      ];
    case 'success':
      return [
        { severity: 'info', title: s.nBackupOkTitle, body: s.nBackupOkBody(plan), key: `run:${run.id}` },
      ];
    case 'cancelled':
      return [];
  }
}

/** Pure: "no successful backup for N days" warnings, keyed so each plan warns once per stale stretch. */
export function staleNotices(state: AppState, ctx: NoticeContext): Notice[] {
  const s = strings[ctx.lang];
  return stalePlans(state, ctx.now).map(({ plan, days }) => {
    const last = state.recentRuns.find(
      (r) => r.plan === plan && (r.result === 'success' || r.result === 'partial'),
    );
    return {
      severity: 'warning',
      title: s.nStaleTitle,
      body: s.nStaleBody(plan, days),
      open: { screen: 'dashboard' },
      key: `stale:${plan}:${last?.endedAt ?? ''}`,
    };
  });
}

/** What the glue needs from Electron's Notification (a structural type so tests can fake it). */
export interface NotificationLike {
  on(event: 'click', listener: () => void): unknown;
  show(): void;
}
export type NotificationFactory = (options: {
  title: string;
  body: string;
  icon?: string;
}) => NotificationLike;

/**
 * Thin glue: filters by level, drops repeats by key, shows through the factory (Electron's Notification in
 * main.ts) and routes clicks to `open`.
 */
export class Notifier {
  private readonly shown = new Set<string>();
  constructor(
    private readonly create: NotificationFactory,
    private readonly open: (target: NonNullable<Notice['open']>) => void,
    private readonly icon?: string,
  ) {}

  show(notices: Notice[], level: Level): number {
    let count = 0;
    for (const n of notices) {
      if (!passes(n.severity, level) || this.shown.has(n.key)) continue;
      this.shown.add(n.key);
      const note = this.create({ title: n.title, body: n.body, ...(this.icon ? { icon: this.icon } : {}) });
      const target = n.open;
      if (target) note.on('click', () => this.open(target));
      note.show();
      count++;
    }
    return count;
  }
}
