import { applyEvent, type AppState, type EngineEvent } from '../../contract/app-state.js';
import type { EnginePort } from './engine-port.js';

export interface StateCacheHooks {
  /** Called before an event is folded in, with the state it applies to (notifications compare before/after). */
  beforeEvent?: (prev: AppState, event: EngineEvent) => void;
  /** Called after the state changed (event applied or reloaded). */
  changed: (state: AppState) => void;
  logError?: (message: string, error: unknown) => void;
}

/**
 * Main's copy of the app state (for the tray, notifications and power decisions): the engine's snapshot plus
 * its events, reloaded on a gap or a resync, exactly as the renderer does it. No electron import.
 */
export class StateCache {
  private current: AppState | undefined;
  private buffered: EngineEvent[] = [];
  private loading: Promise<void> | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly engine: EnginePort,
    private readonly hooks: StateCacheHooks,
  ) {}

  get state(): AppState | undefined {
    return this.current;
  }

  /** Subscribe first, then load: events that race the snapshot are buffered and replayed in rev order. */
  async start(): Promise<void> {
    this.unsubscribe = this.engine.subscribe((e) => this.onEvent(e));
    await this.reload();
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  reload(): Promise<void> {
    this.loading ??= (async () => {
      try {
        this.buffered = [];
        const snapshot = await this.engine.getState();
        this.current = snapshot;
        const pending = this.buffered;
        this.buffered = [];
        this.loading = undefined;
        this.hooks.changed(snapshot);
        for (const e of pending) this.onEvent(e);
      } catch (e) {
        this.loading = undefined;
        this.hooks.logError?.('could not load the engine state', e);
      }
    })();
    return this.loading;
  }

  private onEvent(event: EngineEvent): void {
    if (this.loading || !this.current) {
      this.buffered.push(event);
      return;
    }
    const prev = this.current;
    const result = applyEvent(prev, event);
    if (result.kind === 'ignored') return;
    if (result.kind === 'reload') {
      void this.reload();
      return;
    }
    this.hooks.beforeEvent?.(prev, event);
    this.current = result.state;
    this.hooks.changed(result.state);
  }
}
