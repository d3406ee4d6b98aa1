import type { GenerationRetention } from './config.js';

/** Why a generation is kept: one entry per rule that claimed it (a generation can be claimed by several). */
export type KeepReason = 'newest' | 'last' | 'within' | 'daily' | 'weekly' | 'monthly' | 'yearly' | 'removed';

export interface RetentionDecision {
  name: string;
  time: Date;
  keep: boolean;
  reasons: KeepReason[];
  /** Set with reason `removed`: the files this generation is the last to hold, gone onsite less than the period. */
  hold?: RemovedHold;
}

/** A file that vanished onsite: the last generation that holds it, and the first one that did not. */
export interface RemovedFile {
  path: string;
  lastIn: string;
  /** Time of the first generation without it (ISO), taken as the time it was gone from onsite. */
  goneAt: string;
}

/** Why a generation is held for removed data. */
export interface RemovedHold {
  files: number;
  /** One of the held names, for the dry run's line. */
  example: string;
  /** When the earliest of them was first seen gone onsite. */
  goneSince: Date;
  /** When the hold ends (the latest of them reaches the protection period). */
  until: Date;
}

/**
 * The protection period for removed data: a generation is held while it is the last to hold a file that has
 * been gone from onsite for less than `keepRemovedDays` (relative to `now`). Pure.
 *
 * @returns the held generations' names with what holds them
 */
export function removedDataHolds(
  removed: readonly RemovedFile[],
  keepRemovedDays: number,
  now: Date,
): Map<string, RemovedHold> {
  const period = keepRemovedDays * 86_400_000;
  const out = new Map<string, RemovedHold>();
  for (const r of removed) {
    const gone = new Date(r.goneAt);
    const until = new Date(gone.getTime() + period);
    if (until.getTime() <= now.getTime()) continue;
    const h = out.get(r.lastIn);
    if (!h) out.set(r.lastIn, { files: 1, example: r.path, goneSince: gone, until });
    else {
      h.files++;
      if (gone < h.goneSince) h.goneSince = gone;
      if (until > h.until) h.until = until;
    }
  }
  return out;
}

function isoWeekKey(t: Date): number {
  // ISO 8601 week: the week with the year's first Thursday is week 1; computed in UTC like the names.
  const d = new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate()));
  const day = d.getUTCDay() || 7;
  d.setUTCDate(d.getUTCDate() + 4 - day);
  const yearStart = Date.UTC(d.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((d.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return d.getUTCFullYear() * 100 + week;
}

const bucketOf: Record<'daily' | 'weekly' | 'monthly' | 'yearly', (t: Date) => number> = {
  daily: (t) => t.getUTCFullYear() * 10_000 + (t.getUTCMonth() + 1) * 100 + t.getUTCDate(),
  weekly: isoWeekKey,
  monthly: (t) => t.getUTCFullYear() * 100 + t.getUTCMonth() + 1,
  yearly: (t) => t.getUTCFullYear(),
};

/**
 * restic's forget semantics applied to generations (UTC calendar): walking from newest to oldest, each
 * `keepX: n` rule keeps the newest generation of each of the n most recent X-periods that have one; `keepLast`
 * keeps the n newest; `keepWithinDays` keeps everything younger than that relative to `now`. Rules count
 * independently, so a generation may carry several reasons. The newest generation is always kept, whatever
 * the policy. `holds` (see {@link removedDataHolds}) keep generations whatever the policy, reason `removed`.
 * Pure: the clock is a parameter.
 *
 * @returns one decision per input generation, newest first.
 */
export function decideRetention(
  generations: readonly { name: string; time: Date }[],
  policy: GenerationRetention,
  now: Date,
  holds?: ReadonlyMap<string, RemovedHold>,
): RetentionDecision[] {
  const sorted = [...generations].sort(
    (a, b) => b.time.getTime() - a.time.getTime() || (a.name < b.name ? 1 : -1),
  );
  const out: RetentionDecision[] = sorted.map((g) => ({
    name: g.name,
    time: g.time,
    keep: false,
    reasons: [],
  }));
  const claim = (d: RetentionDecision, r: KeepReason) => {
    d.keep = true;
    d.reasons.push(r);
  };
  if (out[0]) claim(out[0], 'newest');
  if (policy.keepLast) out.slice(0, policy.keepLast).forEach((d) => claim(d, 'last'));
  if (policy.keepWithinDays !== undefined) {
    const limit = now.getTime() - policy.keepWithinDays * 86_400_000;
    out.filter((d) => d.time.getTime() >= limit).forEach((d) => claim(d, 'within'));
  }
  for (const rule of ['daily', 'weekly', 'monthly', 'yearly'] as const) {
    const n = {
      daily: policy.keepDaily,
      weekly: policy.keepWeekly,
      monthly: policy.keepMonthly,
      yearly: policy.keepYearly,
    }[rule];
    if (!n) continue;
    let left = n;
    let last: number | undefined;
    for (const d of out) {
      if (left === 0) break;
      const b = bucketOf[rule](d.time);
      if (b === last) continue;
      last = b;
      claim(d, rule);
      left--;
    }
  }
  for (const d of out) {
    const h = holds?.get(d.name);
    if (h) {
      claim(d, 'removed');
      d.hold = h;
    }
  }
  return out;
}

/** One human line per decision, for `prune --dry-run`. */
export function describeDecision(d: RetentionDecision, policy: GenerationRetention): string {
  if (d.hold && d.reasons.length === 1)
    return `keep   ${d.name}  (removed data: it is the last to hold ${d.hold.files} file(s) gone onsite since ${d.hold.goneSince.toISOString()}, e.g. ${d.hold.example}; held until ${d.hold.until.toISOString()})`;
  if (d.keep) return `keep   ${d.name}  (${d.reasons.join(', ')})`;
  const rules = [
    policy.keepLast ? `last ${policy.keepLast}` : '',
    policy.keepWithinDays !== undefined ? `within ${policy.keepWithinDays}d` : '',
    policy.keepDaily ? `daily ${policy.keepDaily}` : '',
    policy.keepWeekly ? `weekly ${policy.keepWeekly}` : '',
    policy.keepMonthly ? `monthly ${policy.keepMonthly}` : '',
    policy.keepYearly ? `yearly ${policy.keepYearly}` : '',
  ].filter(Boolean);
  return `remove ${d.name}  (no rule keeps it: ${rules.join(', ') || 'no keep rules'})`;
}
