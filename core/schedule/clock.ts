/** The time source; tests pass a fake (with fake timers so node-schedule follows it). */
export interface Clock {
  now(): Date;
}

/** The machine's clock. */
export const systemClock: Clock = { now: () => new Date() };
