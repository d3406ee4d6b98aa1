import { applyEvent, type AppState, type EngineEvent } from '../../../contract/app-state.js';
import type { Api, AppEvent, Result } from '../../../contract/ipc.js';
import type { ErrorInfo } from '../../../contract/errors.js';
import { useAppStore } from '../stores/app-store.js';
import { useEnvStore } from '../stores/env-store.js';
import { useNavStore } from '../stores/nav-store.js';

/**
 * The one module that talks to `window.api` (the preload in Electron, the test transport in e2e). Everything
 * else imports `api()` from here; the zustand stores are caches that this module fills.
 */

declare global {
  interface Window {
    api: Api;
  }
}

export function api(): Api {
  return window.api;
}

/** Subscribe to pushed events until the signal aborts (the bridge's own unsubscribe is tied to it). */
export function subscribe(listener: (event: AppEvent) => void, signal: AbortSignal): void {
  if (signal.aborted) return;
  const off = window.api.onEvent(listener);
  signal.addEventListener('abort', off, { once: true });
}

/** Unwraps a Result or throws its ErrorInfo (for callers that use try/catch around several calls). */
export async function unwrap<T>(pending: Promise<Result<T>>): Promise<T> {
  const r = await pending;
  if (!r.ok) throw r.error;
  return r.value;
}

export function isErrorInfo(e: unknown): e is ErrorInfo {
  return typeof e === 'object' && e !== null && 'kind' in e && 'message' in e;
}

/**
 * Keeps the app store in step with the engine: subscribe first, then load the snapshot; events that arrive
 * while it loads are replayed; a gap in revisions or a resync (e.g. after a reconnect) loads it again.
 */
export function connect(signal: AbortSignal): Promise<void> {
  let loading: Promise<void> | undefined;
  let buffered: EngineEvent[] = [];

  const fold = (event: EngineEvent) => {
    const current = useAppStore.getState().state;
    if (loading || !current) {
      buffered.push(event);
      return;
    }
    const result = applyEvent(current, event);
    if (result.kind === 'applied') useAppStore.getState().setState(result.state);
    else if (result.kind === 'reload') void load();
  };

  const load = (): Promise<void> => {
    loading ??= (async () => {
      buffered = [];
      const r = await window.api.getState();
      loading = undefined;
      if (signal.aborted) return;
      if (!r.ok) {
        useAppStore.getState().setError(r.error);
        return;
      }
      useAppStore.getState().setState(r.value satisfies AppState);
      const pending = buffered;
      buffered = [];
      for (const e of pending) fold(e);
    })();
    return loading;
  };

  subscribe((event) => {
    if (event.type === 'navigate') {
      useNavStore.getState().go(event.screen, event.runId ? { runId: event.runId } : {});
      return;
    }
    fold(event);
  }, signal);

  void window.api.getEnvironment().then((r) => {
    if (r.ok && !signal.aborted) useEnvStore.getState().setEnv(r.value);
  });
  return load();
}

/** Reload the full snapshot (the "try again" button after a load error). */
export async function reloadState(): Promise<void> {
  const r = await window.api.getState();
  if (r.ok) useAppStore.getState().setState(r.value);
  else useAppStore.getState().setError(r.error);
}
