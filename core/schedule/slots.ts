import cronParser from 'cron-parser';
import { RestrayError } from '../errors.js';

const parse = (cron: string, currentDate: Date) => cronParser.parseExpression(cron, { currentDate });

/**
 * Checks a five-field cron expression (minute hour day-of-month month day-of-week). Throws
 * `invalid-argument` naming the allowed form when it is not one.
 */
export function validateCron(cron: string): void {
  const fields = cron.trim().split(/\s+/);
  try {
    if (fields.length !== 5) throw new Error(`has ${fields.length} fields`);
    parse(cron, new Date());
  } catch (e) {
    throw new RestrayError(
      'invalid-argument',
      `schedule: "${cron}" is not a cron expression (${(e as Error).message}); use five fields "minute hour day month weekday", e.g. "0 12 * * *" for every day at noon`,
    );
  }
}

/** The next slot strictly after `after`. */
export function nextSlot(cron: string, after: Date): Date {
  return parse(cron, after).next().toDate();
}

/** The latest slot at or before `now`, or undefined if the expression has none. */
export function previousSlot(cron: string, now: Date): Date | undefined {
  // cron-parser's prev() is strictly before currentDate; a slot exactly at `now` counts as due.
  const it = parse(cron, new Date(now.getTime() + 1));
  try {
    return it.prev().toDate();
  } catch {
    return undefined;
  }
}

/**
 * The slot to make up, if any: the latest slot at or before `now` that is later than `lastHandled`.
 * However many slots were missed, only the latest is returned, so a machine that slept through three
 * nightly slots runs one backup, not three.
 */
export function missedSlot(cron: string, lastHandled: Date, now: Date): Date | undefined {
  const prev = previousSlot(cron, now);
  return prev !== undefined && prev.getTime() > lastHandled.getTime() ? prev : undefined;
}
