import type { AppState } from '../../contract/app-state.js';

/** Pure: keep the machine awake while a backup, restore or restore drill is actually running (not merely queued). */
export function needsWakeLock(state: AppState | undefined): boolean {
  return !!state?.jobs.some(
    (j) => j.state !== 'queued' && (j.kind === 'backup' || j.kind === 'restore' || j.kind === 'drill'),
  );
}

/** Structural subsets of Electron's powerMonitor and powerSaveBlocker, so the glue is testable with fakes. */
export interface PowerMonitorLike {
  on(event: 'resume' | 'on-ac' | 'on-battery', listener: () => void): unknown;
  isOnBatteryPower(): boolean;
}
export interface PowerSaveBlockerLike {
  start(type: 'prevent-app-suspension'): number;
  stop(id: number): void;
}

/**
 * Power glue: resume → the engine re-arms schedules and makes up a missed slot once; battery changes go to the
 * engine (plans with "not on battery" wait); a blocker keeps the machine awake while a job runs.
 */
export class PowerGlue {
  private blockerId: number | undefined;

  constructor(
    private readonly monitor: PowerMonitorLike,
    private readonly blocker: PowerSaveBlockerLike,
    private readonly engine: { notifyResume(): void; setOnBattery(onBattery: boolean): void },
  ) {}

  start(): void {
    this.monitor.on('resume', () => this.engine.notifyResume());
    this.monitor.on('on-battery', () => this.engine.setOnBattery(true));
    this.monitor.on('on-ac', () => this.engine.setOnBattery(false));
    this.engine.setOnBattery(this.monitor.isOnBatteryPower());
  }

  /** Call on every state change. */
  update(state: AppState | undefined): void {
    const want = needsWakeLock(state);
    if (want && this.blockerId === undefined) this.blockerId = this.blocker.start('prevent-app-suspension');
    else if (!want && this.blockerId !== undefined) {
      this.blocker.stop(this.blockerId);
      this.blockerId = undefined;
    }
  }
}
