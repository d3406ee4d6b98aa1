import '../test/setup.js';
import { describe, expect, it } from 'vitest';
import { FakeEngine } from '../../../test/e2e/fake-engine.js';
import { installApi } from '../../../test/e2e/fake-api.js';
import { useAppStore } from '../stores/app-store.js';
import { connect, subscribe } from './client.js';

const until = async (cond: () => boolean) => {
  const end = Date.now() + 2000;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timeout');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('client', () => {
  it('loads the snapshot, applies deltas, reloads on a resync (reconnect) and on a gap', async () => {
    const engine = new FakeEngine({ stepMs: 1 });
    const { pushShell } = installApi(engine);
    useAppStore.setState({ state: undefined });
    const abort = new AbortController();
    await connect(abort.signal);
    expect(useAppStore.getState().state?.rev).toBe(0);
    await engine.pause({ until: '2030-01-01T00:00:00.000Z' });
    expect(useAppStore.getState().state?.pausedUntil).toBe('2030-01-01T00:00:00.000Z');
    const loads = () => engine.calls.filter((c) => c.name === 'getState').length;
    pushShell({ type: 'resync', rev: 0 });
    await until(() => loads() === 2);
    engine.state = { ...engine.state, rev: engine.state.rev + 5 };
    await engine.resume();
    await until(() => loads() === 3 && useAppStore.getState().state?.rev === engine.state.rev);
    expect(useAppStore.getState().state?.pausedUntil).toBeUndefined();
    abort.abort();
  });

  it('unsubscribes when the signal aborts', () => {
    const engine = new FakeEngine();
    const { pushShell } = installApi(engine);
    const seen: string[] = [];
    const abort = new AbortController();
    subscribe((e) => seen.push(e.type), abort.signal);
    pushShell({ type: 'navigate', screen: 'logs' });
    abort.abort();
    pushShell({ type: 'navigate', screen: 'logs' });
    expect(seen).toEqual(['navigate']);
  });
});
