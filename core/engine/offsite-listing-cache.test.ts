import { describe, expect, it } from 'vitest';
import type { OffsiteAccess } from '../../contract/config.js';
import type { OffsiteListing } from '../status/offsite-access.js';
import { OffsiteListingCache } from './offsite-listing-cache.js';

const access: OffsiteAccess = {
  user: 'restray-restore',
  host: 'offsite',
  port: 22,
  sshKey: '/k',
  knownHosts: '/kh',
  path: '/srv/restray-offsite',
};
const listing = (g: string): OffsiteListing => ({
  generations: [g],
  status: {
    ok: false,
    via: 'offsite',
    at: '2026-01-01T00:00:00.000Z',
    problem: 'missing',
    error: { kind: 'not-found', message: 'x' },
  },
});

describe('OffsiteListingCache', () => {
  it('reuses a fresh listing, shares one in flight, and asks again after the TTL', async () => {
    let t = 0;
    let calls = 0;
    const cache = new OffsiteListingCache(
      async () => listing(`g${++calls}`),
      () => t,
      1000,
    );
    const [a, b] = await Promise.all([cache.get('pi', access), cache.get('pi', access)]);
    expect(a.generations).toEqual(['g1']);
    expect(b).toBe(a);
    t = 999;
    expect((await cache.get('pi', access)).generations).toEqual(['g1']);
    t = 1000;
    expect((await cache.get('pi', access)).generations).toEqual(['g2']);
  });

  it('misses for another access or repository and after forget', async () => {
    let calls = 0;
    const cache = new OffsiteListingCache(
      async () => listing(`g${++calls}`),
      () => 0,
    );
    await cache.get('pi', access);
    expect((await cache.get('pi', { ...access, path: '/other' })).generations).toEqual(['g2']);
    expect((await cache.get('pi2', access)).generations).toEqual(['g3']);
    cache.forget('pi2');
    expect((await cache.get('pi2', access)).generations).toEqual(['g4']);
  });

  it('does not keep a failure', async () => {
    let calls = 0;
    const cache = new OffsiteListingCache(
      async () => {
        calls++;
        if (calls === 1) throw new Error('unreachable');
        return listing('g');
      },
      () => 0,
    );
    await expect(cache.get('pi', access)).rejects.toThrow('unreachable');
    expect((await cache.get('pi', access)).generations).toEqual(['g']);
  });
});
