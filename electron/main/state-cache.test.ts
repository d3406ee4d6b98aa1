import { describe, expect, it, vi } from 'vitest';
import { FakeEngine } from '../../test/e2e/fake-engine.js';
import { StateCache } from './state-cache.js';

const until = async (cond: () => boolean, ms = 2000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('StateCache', () => {
  it('loads, follows events, and reloads after a gap', async () => {
    const engine = new FakeEngine({ stepMs: 1 });
    const changed = vi.fn();
    const cache = new StateCache(engine, { changed });
    await cache.start();
    expect(cache.state?.rev).toBe(0);
    await engine.pause({ until: '2030-01-01T00:00:00.000Z' });
    expect(cache.state?.pausedUntil).toBe('2030-01-01T00:00:00.000Z');
    // Simulate lost events: the engine moves on by two revisions without telling the cache.
    engine.state = { ...engine.state, rev: engine.state.rev + 2 };
    await engine.resume();
    await until(() => cache.state?.rev === engine.state.rev);
    expect(cache.state?.pausedUntil).toBeUndefined();
    expect(engine.calls.filter((c) => c.name === 'getState')).toHaveLength(2);
    cache.stop();
  });

  it('runs a backup through to the run history', async () => {
    const engine = new FakeEngine({ stepMs: 1 });
    const seen: string[] = [];
    const cache = new StateCache(engine, { changed: () => {}, beforeEvent: (_p, e) => seen.push(e.type) });
    await cache.start();
    await engine.backupNow({ plan: 'home' });
    await until(() => cache.state?.recentRuns[0]?.id.startsWith('run-job') ?? false);
    expect(seen).toContain('job-progress');
    expect(cache.state?.jobs).toEqual([]);
  });
});
