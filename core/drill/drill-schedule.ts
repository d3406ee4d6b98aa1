import type { Config } from '../../contract/config.js';
import type { ScheduledPlan } from '../schedule/scheduler.js';
import { validateCron } from '../schedule/slots.js';

/** Restore drills run monthly by default: on the 1st at noon (a missed one is made up once after wake). */
export const DEFAULT_DRILL_SCHEDULE = '0 12 1 * *';

// Plan names cannot hold ':' (contract/config.ts Name), so these entries never collide with a plan.
const PREFIX = 'drill:';

/**
 * What the scheduler runs: the plans, plus one restore-drill entry per repository that a plan backs up (its
 * `drillSchedule`, default monthly; `off` for none; one that is not a cron expression falls back to monthly, so
 * a typo never stops the drills). Drill entries never run on battery. They share the
 * scheduler, its persisted slots and its lock (one scheduling process per configuration) with the backups.
 * Pure.
 */
export function scheduledWithDrills(config: Config): ScheduledPlan[] {
  const backedUp = new Set(config.plans.map((p) => p.repo));
  const drills: ScheduledPlan[] = config.repositories
    .filter((r) => backedUp.has(r.name) && r.drillSchedule !== 'off')
    .map((r) => ({
      name: `${PREFIX}${r.name}`,
      schedule: validCron(r.drillSchedule) ?? DEFAULT_DRILL_SCHEDULE,
      conditions: { notOnBattery: true },
    }));
  return [...config.plans, ...drills];
}

/** The repository of a scheduled drill entry, or undefined for a plan. */
export function drillRepoOf(scheduledName: string): string | undefined {
  return scheduledName.startsWith(PREFIX) ? scheduledName.slice(PREFIX.length) : undefined;
}

function validCron(cron: string | undefined): string | undefined {
  if (cron === undefined) return undefined;
  try {
    validateCron(cron);
    return cron;
  } catch {
    return undefined;
  }
}
