import type { EngineEvent } from '../../contract/app-state.js';

type Unrevved<E> = E extends unknown ? Omit<E, 'rev'> : never;
/** An engine event before the bus numbers it. */
export type EventBody = Unrevved<EngineEvent>;

/**
 * Numbers engine events (`rev` +1 each, as contract/app-state.ts requires) and hands them to listeners.
 * A listener that throws is reported through `onListenerError` and does not stop the others.
 */
export class EventBus {
  private revision = 0;
  private readonly listeners = new Set<(e: EngineEvent) => void>();

  constructor(private readonly onListenerError: (e: unknown) => void = () => {}) {}

  /** The rev of the newest event emitted (what a state snapshot taken now has folded in). */
  get rev(): number {
    return this.revision;
  }

  emit(body: EventBody): EngineEvent {
    this.revision += 1;
    const event = { ...body, rev: this.revision } as EngineEvent;
    for (const l of this.listeners) {
      try {
        l(event);
      } catch (e) {
        this.onListenerError(e);
      }
    }
    return event;
  }

  /** Adds a listener; returns the function that removes it. */
  subscribe(listener: (e: EngineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
