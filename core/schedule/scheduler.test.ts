import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { Scheduler, type TriggerReason } from './scheduler.js';

const DAILY_NOON = '0 12 * * *';
const at = (s: string) => new Date(s);

/**
 * Waits for pending promise chains (real, fsynced state writes) under fake timers: setImmediate and
 * performance stay real, so the deadline is real time.
 */
async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = performance.now() + 10_000;
  while (!cond()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

describe('Scheduler', () => {
  let statePath: string;
  let fired: { plan: string; reason: TriggerReason; slot: string }[];
  let scheduler: Scheduler | undefined;
  /** Lets the scheduler finish what it started (state writes) before asserting that nothing fired. */
  const settle = () => until(() => scheduler?.idle() ?? true, 'the scheduler to settle');

  // One fake-timer installation for the whole file: node-schedule keeps a module-wide timer, which must not
  // outlive the fake implementation that created it.
  beforeAll(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  });
  afterAll(() => {
    vi.useRealTimers();
  });
  beforeEach(() => {
    statePath = join(mkdtempSync(join(tmpdir(), 'restray-sched-')), 'schedule.json');
    fired = [];
  });
  afterEach(() => {
    scheduler?.stop();
  });

  const make = (opts: { onBattery?: () => boolean } = {}) =>
    (scheduler = new Scheduler({
      statePath,
      trigger: (plan, reason, slot) => fired.push({ plan, reason, slot: slot.toISOString() }),
      watchdogIntervalMs: 60_000,
      ...opts,
    }));

  it('does not treat slots from before a plan existed as missed', async () => {
    vi.setSystemTime(at('2026-03-04T09:00:00'));
    await make().start([{ name: 'home', schedule: DAILY_NOON }]);
    await settle();
    expect(fired).toEqual([]);
  });

  it('makes up several slots missed while off exactly once, then runs on schedule', async () => {
    writeFileSync(statePath, JSON.stringify({ home: at('2026-03-01T12:00:00').toISOString() }));
    vi.setSystemTime(at('2026-03-04T09:00:00'));
    await make().start([{ name: 'home', schedule: DAILY_NOON }]);
    await until(() => fired.length === 1, 'missed run');
    expect(fired[0]).toEqual({
      plan: 'home',
      reason: 'catch-up',
      slot: at('2026-03-03T12:00:00').toISOString(),
    });
    await vi.advanceTimersByTimeAsync(3 * 60 * 60 * 1000);
    await until(() => fired.length === 2, 'scheduled run');
    expect(fired[1]).toMatchObject({ reason: 'schedule', slot: at('2026-03-04T12:00:00').toISOString() });
    expect(JSON.parse(readFileSync(statePath, 'utf8')).home).toBe(at('2026-03-04T12:00:00').toISOString());
  });

  it('after a resume runs the missed slot once and ignores the delayed timer of the same slot', async () => {
    vi.setSystemTime(at('2026-03-04T09:00:00'));
    await make().start([{ name: 'home', schedule: DAILY_NOON }]);
    // The machine sleeps from 09:00 to 18:00: timers do not run, the wall clock jumps.
    vi.setSystemTime(at('2026-03-04T18:00:00'));
    await scheduler!.notifyResume();
    await until(() => fired.length === 1, 'make-up run');
    expect(fired[0]).toMatchObject({ reason: 'catch-up', slot: at('2026-03-04T12:00:00').toISOString() });
    await vi.advanceTimersByTimeAsync(9 * 60 * 60 * 1000);
    await settle();
    expect(fired).toHaveLength(1);
  });

  it('reports a slot as handled only once its backup was handed to the trigger (freshness reads this)', async () => {
    writeFileSync(statePath, JSON.stringify({ home: at('2026-03-01T12:00:00').toISOString() }));
    vi.setSystemTime(at('2026-03-04T09:00:00'));
    const seenInTrigger: (string | undefined)[] = [];
    scheduler = new Scheduler({
      statePath,
      trigger: (plan) => void seenInTrigger.push(scheduler!.handledSlots()[plan]),
      watchdogIntervalMs: 60_000,
    });
    // Before start nothing is known; after it, the made-up slot.
    expect(scheduler.handledSlots()).toEqual({});
    await scheduler.start([{ name: 'home', schedule: DAILY_NOON }]);
    await until(() => seenInTrigger.length === 1, 'make-up run');
    // While the state was written and the trigger ran, the old slot was still reported.
    expect(seenInTrigger).toEqual([at('2026-03-01T12:00:00').toISOString()]);
    expect(scheduler.handledSlots()).toEqual({ home: at('2026-03-03T12:00:00').toISOString() });
  });

  it('notices a sleep it was not told about through the watchdog', async () => {
    vi.setSystemTime(at('2026-03-04T09:00:00'));
    await make().start([{ name: 'home', schedule: DAILY_NOON }]);
    vi.setSystemTime(at('2026-03-05T08:00:00'));
    await vi.advanceTimersByTimeAsync(60_000);
    await until(() => fired.length === 1, 'watchdog make-up');
    expect(fired[0]).toMatchObject({ reason: 'catch-up', slot: at('2026-03-04T12:00:00').toISOString() });
  });

  it('holds runs while paused and makes up one when the pause ends', async () => {
    vi.setSystemTime(at('2026-03-04T11:00:00'));
    await make().start([{ name: 'home', schedule: DAILY_NOON }]);
    await scheduler!.setPausedUntil(at('2026-03-04T15:00:00'));
    expect(scheduler!.nextRuns()[0]!.at.toISOString()).toBe(at('2026-03-05T12:00:00').toISOString());
    await vi.advanceTimersByTimeAsync(2 * 60 * 60 * 1000);
    await settle();
    expect(fired).toEqual([]);
    await vi.advanceTimersByTimeAsync(2 * 60 * 60 * 1000);
    await until(() => fired.length === 1, 'run after pause');
    expect(fired[0]).toMatchObject({ reason: 'catch-up', slot: at('2026-03-04T12:00:00').toISOString() });
  });

  it('waits for mains power for plans that must not run on battery', async () => {
    let battery = true;
    vi.setSystemTime(at('2026-03-04T11:00:00'));
    await make({ onBattery: () => battery }).start([
      { name: 'home', schedule: DAILY_NOON, conditions: { notOnBattery: true } },
    ]);
    await vi.advanceTimersByTimeAsync(2 * 60 * 60 * 1000);
    await settle();
    expect(fired).toEqual([]);
    battery = false;
    await scheduler!.notifyResume();
    await until(() => fired.length === 1, 'run on power');
    expect(fired[0]!.reason).toBe('catch-up');
  });
});
