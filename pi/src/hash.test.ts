import { createHash, randomBytes } from 'node:crypto';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HashPool, mapLimit, sha256File, syncInode, verifyNamedFiles } from './hash.js';

describe('hashing', () => {
  it('hashes files larger than one read chunk like a one-shot digest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rtpi-hash-'));
    const data = randomBytes(3 * 1024 * 1024 + 17);
    writeFileSync(join(dir, 'f'), data);
    expect(await sha256File(join(dir, 'f'))).toBe(createHash('sha256').update(data).digest('hex'));
  });

  it('reports files whose SHA-256 differs from their name, and unreadable ones', async () => {
    const root = mkdtempSync(join(tmpdir(), 'rtpi-ver-'));
    mkdirSync(join(root, 'index'));
    const good = randomBytes(1000);
    const goodId = createHash('sha256').update(good).digest('hex');
    writeFileSync(join(root, 'index', goodId), good);
    const badId = createHash('sha256').update('other').digest('hex');
    writeFileSync(join(root, 'index', badId), 'tampered');
    const missing = 'f'.repeat(64);
    const r = await verifyNamedFiles(root, [`index/${goodId}`, `index/${badId}`, `index/${missing}`]);
    expect(r.map((m) => m.file)).toEqual([`index/${badId}`, `index/${missing}`]);
    expect(r[1]!.actual).toBe('ENOENT');
  });

  it('mapLimit keeps order and bounds concurrency', async () => {
    let inFlight = 0;
    let max = 0;
    const out = await mapLimit([1, 2, 3, 4, 5], 2, async (n) => {
      max = Math.max(max, ++inFlight);
      await Promise.resolve();
      inFlight--;
      return n * 2;
    });
    expect(out).toEqual([2, 4, 6, 8, 10]);
    expect(max).toBe(2);
  });

  it('starts a second thread only when requests back up', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rtpi-grow-'));
    const files = [1, 2, 3, 4, 5, 6].map((i) => {
      writeFileSync(join(dir, `f${i}`), randomBytes(64 * 1024));
      return join(dir, `f${i}`);
    });
    const pool = new HashPool(4);
    try {
      for (const f of files) expect('hex' in (await pool.hash({ path: f }))).toBe(true);
      expect(pool.threads).toBe(1);
      const all = await Promise.all(files.map((f) => pool.hash({ path: f })));
      expect(all.every((r) => 'hex' in r)).toBe(true);
      expect(pool.threads).toBe(4);
    } finally {
      await pool.close();
    }
  });

  it('waits for a file reported before it is in place (rsync renames it there right after)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rtpi-wait-'));
    const pool = new HashPool(1);
    try {
      const late = pool.hash({ path: join(dir, 'late'), waitMs: 5_000 });
      setTimeout(() => writeFileSync(join(dir, 'late'), 'data'), 30);
      const r = await late;
      expect('hex' in r && r.hex).toBe(createHash('sha256').update('data').digest('hex'));
      expect(await pool.hash({ path: join(dir, 'never'), waitMs: 20 })).toEqual({ error: 'ENOENT' });
    } finally {
      await pool.close();
    }
  });

  it('syncs only the file that was hashed, and says why not otherwise', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rtpi-sync-'));
    const f = join(dir, 'f');
    writeFileSync(f, 'first');
    const ino = statSync(f).ino;
    expect(await syncInode(f, ino)).toBeUndefined();
    // Replaced after hashing (a retry, a second fetch): not the bytes that were verified.
    writeFileSync(join(dir, 'g'), 'second');
    renameSync(join(dir, 'g'), f);
    expect(await syncInode(f, ino)).toBe('ECHANGED');
    expect(await syncInode(join(dir, 'gone'), ino)).toBe('ENOENT');
    symlinkSync(f, join(dir, 'link'));
    expect(await syncInode(join(dir, 'link'), statSync(f).ino)).toBe('ELOOP');
  });

  it('answers a synced hash once the sync is done, with no descriptor left open', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rtpi-synced-'));
    const data = [1, 2, 3, 4].map(() => randomBytes(256 * 1024));
    data.forEach((d, i) => writeFileSync(join(dir, `f${i}`), d));
    const fds = () => readdirSync('/proc/self/fd').length;
    const pool = new HashPool(2);
    const hashAll = () =>
      Promise.all(data.map((_, i) => pool.hash({ path: join(dir, `f${i}`), sync: true })));
    try {
      await hashAll(); // threads (and their own descriptors) started
      const before = fds();
      const all = await hashAll();
      expect(all.map((r) => 'hex' in r && r.hex)).toEqual(
        data.map((d) => createHash('sha256').update(d).digest('hex')),
      );
      expect(fds()).toBe(before);
    } finally {
      await pool.close();
    }
  });
});
