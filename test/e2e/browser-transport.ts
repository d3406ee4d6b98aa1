import { createApi, transportFailure } from '../../contract/bridge.js';
import type { Api, AppEvent, Result } from '../../contract/ipc.js';

/**
 * The e2e stand-in for the preload, injected into the page with Playwright's addInitScript (never part of the
 * production bundle). Requests are POSTed to the transport server, events arrive over Server-Sent Events —
 * both same-origin, so the page's CSP (`connect-src 'self'`) stays exactly as shipped. After a reconnect it
 * emits a `resync`, and the renderer reloads the full state, as it would after any lost events.
 */
// Typed structurally: this file is type-checked with the Node tsconfig (no DOM lib), but runs in the page.
interface MessageSource {
  onopen: (() => void) | null;
  onmessage: ((m: { data: unknown }) => void) | null;
}
const page = globalThis as unknown as {
  api: Api;
  __restrayTransport?: { reconnects: number };
  EventSource: new (url: string) => MessageSource;
};

const listeners = new Set<(e: AppEvent) => void>();
const status = { reconnects: 0 };
let opened = false;

function openEvents(): void {
  const source = new page.EventSource('/events');
  source.onopen = () => {
    if (opened) {
      status.reconnects++;
      listeners.forEach((l) => l({ type: 'resync', rev: 0 }));
    }
    opened = true;
  };
  source.onmessage = (m) => {
    const event = JSON.parse(m.data as string) as AppEvent;
    listeners.forEach((l) => l(event));
  };
}

page.__restrayTransport = status;
page.api = createApi({
  async invoke(name, input): Promise<Result<unknown>> {
    try {
      const res = await fetch(`/api/${name}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ input }),
      });
      return (await res.json()) as Result<unknown>;
    } catch (e) {
      return transportFailure(e instanceof Error ? e.message : String(e));
    }
  },
  listen(listener) {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
});
openEvents();
