/**
 * The reason a job's AbortSignal carries when it is cancelled: a cancel that can be escalated. The first
 * request asks restic to stop cleanly (SIGINT: it removes its lock); {@link Cancellation.force} asks it to stop
 * at once (SIGKILL), for a user who pressed Ctrl-C twice. One object so that every restic call below a job sees
 * the escalation through the signal it already has, without another parameter on each verb.
 */
export class Cancellation extends Error {
  private forced = false;
  private readonly listeners = new Set<() => void>();

  constructor() {
    super('cancelled');
    this.name = 'Cancellation';
  }

  /** True once {@link force} was called. */
  get isForced(): boolean {
    return this.forced;
  }

  /** Escalates to a forced stop; listeners run once. Later calls do nothing. */
  force(): void {
    if (this.forced) return;
    this.forced = true;
    for (const l of this.listeners) l();
    this.listeners.clear();
  }

  /** Runs `listener` when the cancel is forced (at once if it already is); returns the unsubscribe function. */
  onForce(listener: () => void): () => void {
    if (this.forced) {
      listener();
      return () => {};
    }
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** The escalation of an aborted signal, when its reason is a {@link Cancellation}. */
export function cancellationOf(signal: AbortSignal | undefined): Cancellation | undefined {
  return signal?.aborted && signal.reason instanceof Cancellation ? signal.reason : undefined;
}

/**
 * Calls `handler(false)` when `signal` aborts and `handler(true)` when its {@link Cancellation} is then forced,
 * e.g. to pass a caller's cancel on to a queued job. Returns the function that stops listening. No signal:
 * nothing happens.
 */
export function onCancel(signal: AbortSignal | undefined, handler: (force: boolean) => void): () => void {
  if (signal === undefined) return () => {};
  let offForce = () => {};
  const onAbort = () => {
    handler(false);
    offForce = cancellationOf(signal)?.onForce(() => handler(true)) ?? offForce;
  };
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  return () => {
    signal.removeEventListener('abort', onAbort);
    offForce();
  };
}
