import type { GenerationRetention } from './config.js';

/** Why a generation is kept: one entry per rule that claimed it (a generation can be claimed by several). */
export type KeepReason = 'newest' | 'last' | 'within' | 'daily' | 'weekly' | 'monthly' | 'yearly';

export interface RetentionDecision {
  name: string;
  time: Date;
  keep: boolean;
  reasons: KeepReason[];
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
 * the policy. Pure: the clock is a parameter.
 *
 * @returns one decision per input generation, newest first.
 */
export function decideRetention(
  generations: readonly { name: string; time: Date }[],
  policy: GenerationRetention,
  now: Date,
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
  return out;
}

/** One human line per decision, for `prune --dry-run`. */
export function describeDecision(d: RetentionDecision, policy: GenerationRetention): string {
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
