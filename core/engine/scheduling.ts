import type { PlanState, RunRecord, Trigger } from '../../contract/app-state.js';
import type { Config } from '../../contract/config.js';
import { validateConfig } from '../config/config-store.js';
import type { ProcessRole, RepoLocks } from '../jobs/repo-lock.js';
import { readHandledSlots } from '../schedule/schedule-state.js';
import type { Scheduler } from '../schedule/scheduler.js';
import { nextSlot } from '../schedule/slots.js';
import { recentRuns, scheduleStatePath, type EngineDeps } from './engine-deps.js';
import { scheduledWithDrills } from '../drill/drill-schedule.js';

const SCHEDULER_LOCK = '.scheduler';

/** Who runs a configuration's schedules: this process, another Restray process, or nobody. */
export type SchedulingProcess = { by: 'this' } | { by: ProcessRole; pid: number } | { by: 'none' };

export interface SchedulingOptions {
  locks: RepoLocks;
  role: ProcessRole;
  /** Starts a scheduled (or made-up) backup of a plan. */
  trigger: (plan: string, reason: Trigger) => void;
  /** Where an exception of `trigger` goes (the engine's own onBug, if the host gave one). */
  onTriggerError?: ((e: unknown) => void) | undefined;
  /** Called each time this process has armed the schedules (the chain monitor starts watching then). */
  onArmed: () => void;
}

/**
 * The plans' schedules in this process: the scheduler (loaded only when a process schedules), the lock that
 * makes one process per configuration the scheduling one, pause, power and wake-up, and the plans' next and
 * last runs. Emits schedule-changed.
 */
export class Scheduling {
  private scheduler: Scheduler | undefined;
  /** Held while this process runs the schedules (one scheduling process per configuration). */
  private lock: { wait: AbortController; release?: () => void } | undefined;
  private onBattery = false;
  /** The scheduler's persisted slots as read at open, for the freshness rule while no scheduler runs (CLI). */
  private savedSlots: Readonly<Record<string, string>> = {};

  constructor(
    private readonly deps: EngineDeps,
    private readonly options: SchedulingOptions,
  ) {}

  /** Reads the persisted slots (what the last scheduling process handled). */
  async load(): Promise<void> {
    this.savedSlots = await readHandledSlots(scheduleStatePath(this.deps.paths));
  }

  /**
   * Starts the scheduler: makes up missed slots once and arms every plan's schedule. If another process
   * schedules this configuration, resolves at once and takes over when that process stops or dies.
   */
  async start(): Promise<void> {
    if (this.lock?.release) return this.arm();
    if (this.lock) return;
    // One process schedules a configuration's plans: the tray app or the daemon, whichever came first. The
    // other waits (and takes over when the first stops or dies); a plan never runs twice for one slot.
    const wait = new AbortController();
    const lock: { wait: AbortController; release?: () => void } = { wait };
    this.lock = lock;
    const locks = this.options.locks;
    const othersHold = locks.holder(SCHEDULER_LOCK) !== undefined;
    const got = locks
      .acquire(
        SCHEDULER_LOCK,
        { kind: 'schedule', name: 'plans' },
        {
          signal: wait.signal,
          pollMs: 5_000,
          onWait: () => this.emit(),
        },
      )
      .then(
        async (release) => {
          lock.release = release;
          if (!wait.signal.aborted) await this.arm();
        },
        () => undefined, // closed while waiting
      );
    if (!othersHold) await got;
    else this.emit();
  }

  /**
   * Who runs this configuration's schedules: this process, another Restray process (its role and PID), or
   * nobody (no tray app or daemon runs: scheduled plans wait).
   */
  process(): SchedulingProcess {
    if (this.lock?.release) return { by: 'this' };
    const h = this.options.locks.holder(SCHEDULER_LOCK);
    return h ? { by: h.role, pid: h.pid } : { by: 'none' };
  }

  /** Each plan's last handled slot: the running scheduler's, else as persisted at open. */
  handledSlots(): Readonly<Record<string, string>> {
    return this.scheduler?.handledSlots() ?? this.savedSlots;
  }

  /** The host reports that the machine woke up: missed slots run once, schedules are re-armed. */
  notifyResume(): void {
    void this.scheduler?.notifyResume().then(() => this.emit());
  }

  /** The host reports the power source; plans with `notOnBattery` wait while on battery. */
  setOnBattery(onBattery: boolean): void {
    const was = this.onBattery;
    this.onBattery = onBattery;
    if (was && !onBattery) this.notifyResume();
  }

  /** Pauses scheduled runs until `until` (manual runs still work); persisted in the config. */
  async pause(until: Date): Promise<void> {
    await this.deps.config.commit(
      validateConfig({ ...this.deps.config.get(), pausedUntil: until.toISOString() }),
    );
    await this.scheduler?.setPausedUntil(until);
    this.emit();
  }

  /** Ends a pause; a slot missed during it runs once. */
  async resume(): Promise<void> {
    const next: Config = { ...this.deps.config.get() };
    delete next.pausedUntil;
    await this.deps.config.commit(validateConfig(next));
    await this.scheduler?.setPausedUntil(undefined);
    this.emit();
  }

  /** The configuration was saved: a running scheduler takes the new plans and restore drills. */
  async plansChanged(config: Config): Promise<void> {
    if (!this.scheduler) return;
    await this.scheduler.setPlans(scheduledWithDrills(config));
    this.emit();
  }

  /** Stops the scheduler and gives up (or stops waiting for) the scheduling lock. */
  stop(): void {
    this.scheduler?.stop();
    this.scheduler = undefined;
    this.lock?.wait.abort();
    this.lock?.release?.();
    this.lock = undefined;
  }

  /** The end of the current pause; undefined when none is configured or it is over. */
  pausedUntil(): Date | undefined {
    const p = this.deps.config.get().pausedUntil;
    if (!p) return undefined;
    const d = new Date(p);
    return d.getTime() > this.deps.clock.now().getTime() ? d : undefined;
  }

  /** Each plan's last run (from `recentRuns`), next run and which process schedules it. Never does I/O. */
  planStates(runs: RunRecord[]): PlanState[] {
    // Another process schedules: its next slots are the same pure maths on the same config.
    const config = this.deps.config.get();
    const who = this.process();
    const from = this.pausedUntil() ?? this.deps.clock.now();
    const next = new Map(
      this.scheduler
        ? this.scheduler.nextRuns().map((n) => [n.plan, n.at.toISOString()])
        : who.by === 'none'
          ? []
          : config.plans.flatMap((p) =>
              p.schedule ? [[p.name, nextSlot(p.schedule, from).toISOString()]] : [],
            ),
    );
    return config.plans.map((p) => {
      const lastRun = runs.find((r) => r.plan === p.name && r.kind === 'backup');
      const nextRun = next.get(p.name);
      const scheduledBy = !p.schedule ? undefined : who.by === 'this' ? this.options.role : who.by;
      return {
        name: p.name,
        ...(nextRun ? { nextRun } : {}),
        ...(lastRun ? { lastRun } : {}),
        ...(scheduledBy ? { scheduledBy } : {}),
      };
    });
  }

  private async arm(): Promise<void> {
    this.scheduler?.stop();
    const { Scheduler } = await import('../schedule/scheduler.js');
    this.scheduler = new Scheduler({
      statePath: scheduleStatePath(this.deps.paths),
      clock: this.deps.clock,
      onBattery: () => this.onBattery,
      trigger: (plan, reason) => {
        try {
          this.options.trigger(plan, reason);
        } catch (e) {
          this.options.onTriggerError?.(e);
        }
      },
    });
    await this.scheduler.start(scheduledWithDrills(this.deps.config.get()), this.pausedUntil());
    this.emit();
    this.options.onArmed();
  }

  private emit(): void {
    const pausedUntil = this.pausedUntil();
    void recentRuns(this.deps).then((runs) => {
      this.deps.bus.emit({
        type: 'schedule-changed',
        plans: this.planStates(runs),
        ...(pausedUntil ? { pausedUntil: pausedUntil.toISOString() } : {}),
      });
    });
  }
}
