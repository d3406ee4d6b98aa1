import { describe, expect, it } from 'vitest';
import { nextLockEpisode } from './lock-watch.js';

const lock = (c: string) => ({ path: `locks/${c.repeat(64)}`, size: 100, mtime: 0 });

describe('nextLockEpisode', () => {
  it('alerts once, naming the locks, when locks stay fresh run after run beyond the bound', () => {
    const t0 = new Date('2025-01-01T00:00:00Z');
    const at = (s: number) => new Date(t0.getTime() + s * 1000);
    const a = nextLockEpisode(undefined, [lock('a')], t0, 1800);
    expect(a).toEqual({ episode: { since: t0.toISOString(), alerted: false } });
    // restic renews a lock under a new name: the episode goes on.
    const b = nextLockEpisode(a.episode, [lock('b')], at(1800), 1800);
    expect(b.alert).toBeUndefined();
    const c = nextLockEpisode(b.episode, [lock('c'), lock('d')], at(1801), 1800);
    expect(c.alert).toMatch(/fresh locks at every run since 2025-01-01T00:00:00.000Z .*: c{64}, d{64}\.$/);
    expect(nextLockEpisode(c.episode, [lock('e')], at(4000), 1800).alert).toBeUndefined();
    // A run without a live lock ends the episode; the next one starts afresh.
    expect(nextLockEpisode(c.episode, [], at(4000), 1800)).toEqual({ episode: undefined });
  });
});
