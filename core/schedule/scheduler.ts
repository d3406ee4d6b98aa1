import schedule from 'node-schedule';
import { writeFileAtomic } from '../config/atomic-write.js';
import { readHandledSlots } from './schedule-state.js';
import { missedSlot, nextSlot } from './slots.js';

import { systemClock, type Clock } from './clock.js';

export interface ScheduledPlan {
  name: string;
  schedule?: string | undefined;
  conditions?: { notOnBattery?: boolean } | undefined;
}

export type TriggerReason = 'schedule' | 'catch-up';

export interface SchedulerOptions {
  /** Persists the last handled slot per plan, so slots missed while the machine was off are found. */
  statePath: string;
  /** Starts a backup of the plan; the job queue coalesces repeats. */
  trigger: (plan: string, reason: TriggerReason, slot: Date) => void;
  clock?: Clock;
  /** True while on battery (reported by the host); plans with `notOnBattery` wait for power. */
  onBattery?: () => boolean;
  /** How often the watchdog looks for a clock jump or a sleep it was not told about. */
  watchdogIntervalMs?: number;
}

const WATCHDOG_SLACK_MS = 30_000;

/**
 * Runs plans on their cron schedules with node-schedule, and makes up a slot missed while the machine was off
 * or asleep once (not once per missed slot): on start, after `notifyResume()`, after a clock jump seen by the
 * watchdog, when a pause ends and when power returns. node-schedule arms one long timer that a suspend pushes
 * back, so every make-up also re-arms the jobs. A slot is never triggered twice: each plan's last handled slot
 * is persisted before the trigger.
 */
export class Scheduler {
  private plans: ScheduledPlan[] = [];
  private readonly jobs = new Map<string, schedule.Job>();
  private handled: Record<string, string> = {};
  /** `handled` as far as the trigger has been called: what {@link handledSlots} reports. */
  private triggered: Record<string, string> = {};
  private pausedUntil: Date | undefined;
  private pauseTimer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private lastTick = 0;
  private started = false;
  private busy = 0;
  private readonly clock: Clock;

  constructor(private readonly options: SchedulerOptions) {
    this.clock = options.clock ?? systemClock;
  }

  /** Loads the persisted state, makes up missed slots, arms the plans and starts the watchdog. */
  async start(plans: ScheduledPlan[], pausedUntil?: Date): Promise<void> {
    this.handled = await this.loadState();
    this.triggered = { ...this.handled };
    this.plans = plans;
    this.pausedUntil = pausedUntil;
    this.started = true;
    await this.catchUp();
    this.arm();
    const interval = this.options.watchdogIntervalMs ?? 60_000;
    this.lastTick = this.clock.now().getTime();
    this.watchdog = setInterval(() => void this.tick(interval), interval);
    this.watchdog.unref?.();
  }

  /** Stops every timer; no trigger fires afterwards. */
  stop(): void {
    this.started = false;
    for (const job of this.jobs.values()) job.cancel();
    this.jobs.clear();
    if (this.watchdog) clearInterval(this.watchdog);
    if (this.pauseTimer) clearTimeout(this.pauseTimer);
  }

  /** Replaces the plan list (after a config change) and re-arms. */
  async setPlans(plans: ScheduledPlan[]): Promise<void> {
    this.plans = plans;
    if (!this.started) return;
    await this.catchUp();
    this.arm();
  }

  /** Pauses scheduled runs until the given time (undefined resumes now); a slot missed meanwhile runs once after. */
  async setPausedUntil(until: Date | undefined): Promise<void> {
    this.pausedUntil = until;
    if (!this.started) return;
    this.arm();
    if (!this.isPaused()) await this.catchUp();
  }

  /** The host reports that the machine woke up (or power returned): make up missed slots and re-arm. */
  async notifyResume(): Promise<void> {
    if (!this.started) return;
    await this.catchUp();
    this.arm();
  }

  /** The next slot of each scheduled plan (after the pause, if paused). */
  nextRuns(): { plan: string; at: Date }[] {
    const from = this.isPaused() ? this.pausedUntil! : this.clock.now();
    return this.plans
      .filter((p) => p.schedule)
      .map((p) => ({ plan: p.name, at: nextSlot(p.schedule!, from) }));
  }

  /** True when no state write is in flight (tests wait for this before asserting that nothing fired). */
  idle(): boolean {
    return this.busy === 0;
  }

  private isPaused(): boolean {
    return this.pausedUntil !== undefined && this.clock.now().getTime() < this.pausedUntil.getTime();
  }

  private arm(): void {
    for (const job of this.jobs.values()) job.cancel();
    this.jobs.clear();
    if (this.pauseTimer) clearTimeout(this.pauseTimer);
    if (this.isPaused()) {
      const wait = this.pausedUntil!.getTime() - this.clock.now().getTime();
      this.pauseTimer = setTimeout(() => void this.setPausedUntil(undefined), wait);
      this.pauseTimer.unref?.();
      return;
    }
    for (const plan of this.plans) {
      if (!plan.schedule) continue;
      const job = schedule.scheduleJob(plan.schedule, (fireDate: Date) => {
        void this.fire(plan.name, fireDate, 'schedule');
      });
      if (job) this.jobs.set(plan.name, job);
    }
  }

  private async catchUp(): Promise<void> {
    const now = this.clock.now();
    let changed = false;
    for (const plan of this.plans) {
      if (!plan.schedule) continue;
      const last = this.handled[plan.name];
      if (last === undefined) {
        // First sight of a plan: its schedule starts now; nothing is "missed" from before it existed.
        this.handled[plan.name] = now.toISOString();
        this.triggered[plan.name] = now.toISOString();
        changed = true;
        continue;
      }
      const slot = missedSlot(plan.schedule, new Date(last), now);
      if (slot) await this.fire(plan.name, slot, 'catch-up');
    }
    if (changed) await this.saveState();
  }

  private async fire(planName: string, slot: Date, reason: TriggerReason): Promise<void> {
    if (!this.started || this.isPaused()) return;
    const plan = this.plans.find((p) => p.name === planName);
    if (!plan) return;
    if (plan.conditions?.notOnBattery && this.options.onBattery?.()) return;
    const last = this.handled[planName];
    // A delayed node-schedule timer after a make-up run carries the same slot: ignore it.
    if (last !== undefined && slot.getTime() <= new Date(last).getTime()) return;
    this.handled[planName] = slot.toISOString();
    await this.saveState();
    if (!this.started) return;
    this.options.trigger(planName, reason, slot);
    this.triggered[planName] = slot.toISOString();
  }

  private async tick(interval: number): Promise<void> {
    const now = this.clock.now().getTime();
    const gap = now - this.lastTick;
    this.lastTick = now;
    // Timers stop while the machine sleeps and do not notice the wall clock being set: a gap far from the
    // interval means either happened.
    if (gap > interval + WATCHDOG_SLACK_MS || gap < 0) await this.notifyResume();
  }

  /**
   * The last handled slot per plan (ISO times) whose backup has been handed to the trigger (so it is queued by
   * the time this reports it: the freshness rule never sees a slot handled but its backup not yet queued). No I/O.
   */
  handledSlots(): Readonly<Record<string, string>> {
    return { ...this.triggered };
  }

  private loadState(): Promise<Record<string, string>> {
    return readHandledSlots(this.options.statePath);
  }

  private async saveState(): Promise<void> {
    this.busy += 1;
    try {
      await writeFileAtomic(this.options.statePath, JSON.stringify(this.handled, null, 2));
    } finally {
      this.busy -= 1;
    }
  }
}
