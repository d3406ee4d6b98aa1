import { chmodSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../pi/src/main.js';
import { listGenerations, offsitePaths, walkRepo } from '../../pi/src/offsite/store.js';
import type { SyncOptions } from '../../pi/src/offsite/sync.js';
import { readStatusFile, startTwoPiLab, writeRandomFiles, type TwoPiLab } from './lab-two-pi.js';

describe('restray-pi operations: locks, change check, bit rot, CLI', () => {
  let lab: TwoPiLab;
  const logs: string[] = [];
  const sync = (extra: Partial<SyncOptions> = {}) => lab.sync({ log: (l) => void logs.push(l), ...extra });
  const cli = async (...argv: string[]) => {
    let out = '';
    const code = await main([...argv, '--config', lab.offsite.configPath], {
      out: (t) => void (out += `${t}\n`),
      err: (t) => void (out += `${t}\n`),
      env: process.env,
    });
    return { code, out };
  };
  let n = 0;
  const backup = async () => {
    const d = join(lab.dir, `ws${n++}`);
    writeRandomFiles(d, 1, 50_000);
    await lab.restic(['backup', '--host', 'ws', d]);
  };

  beforeAll(async () => {
    lab = await startTwoPiLab({
      faultProxy: false,
      configure: (c) => void (c.offsite.retention = { keepLast: 3 }),
    });
    await backup();
    expect((await sync()).result).toBe('ok');
  });
  afterAll(async () => {
    if (process.env.RESTRAY_PI_TEST_LOG) console.log(logs.join('\n'));
    await lab?.stop();
  });

  it('a fresh restic lock does not stop the copy (a copy that lost no listed file is consistent)', async () => {
    await backup();
    const lock = join(lab.onsite.repo, 'locks', 'e'.repeat(64));
    writeFileSync(lock, 'lock');
    try {
      const out = await sync();
      expect(out.result).toBe('ok');
      expect(out.promoted).toBeDefined();
    } finally {
      rmSync(lock);
    }
  });

  it('locks fresh at every run beyond the wait bound raise one alert naming them; copies go on', async () => {
    lab.reconfigure(
      (c) => void (c.offsite.locks = { waitSeconds: 60, pollSeconds: 0.2, staleAfterMinutes: 30 }),
    );
    const hooks = () =>
      lab.alerts.requests.filter(
        (r) => r.path === '/hook' && (r.json as { event?: string }).event === 'lock-stuck',
      );
    // Clock injected: restic (or an append-only key) renews its lock under a new name; each run sees a fresh one.
    const t0 = Date.now();
    const runAt = async (s: number, name: string) => {
      const lock = join(lab.onsite.repo, 'locks', name.repeat(64));
      writeFileSync(lock, 'lock');
      utimesSync(lock, (t0 + s * 1000) / 1000, (t0 + s * 1000) / 1000);
      await backup();
      try {
        return await sync({ now: () => new Date(t0 + s * 1000) });
      } finally {
        rmSync(lock);
      }
    };
    const first = await runAt(0, '1');
    expect(first).toMatchObject({ result: 'ok', promoted: expect.any(String) });
    expect(hooks()).toHaveLength(0);
    const later = await runAt(61, '2');
    expect(later).toMatchObject({ result: 'ok', promoted: expect.any(String) });
    expect(hooks()).toHaveLength(1);
    expect(hooks()[0]!.body).toContain('2'.repeat(64));
    // One alert per episode; a run without a live lock ends it.
    expect((await runAt(120, '3')).result).toBe('ok');
    expect(hooks()).toHaveLength(1);
    lab.reconfigure((c) => void delete c.offsite.locks);
  });

  it('--if-changed does nothing without a new snapshot and syncs when there is one', async () => {
    expect((await sync()).result).toBe('ok');
    const gens = listGenerations(offsitePaths(lab.offsite.root));
    const idle = await sync({ ifChanged: true, trigger: 'change' });
    expect(idle.result).toBe('skipped');
    expect(listGenerations(offsitePaths(lab.offsite.root))).toEqual(gens);
    await backup();
    const busy = await sync({ ifChanged: true, trigger: 'change' });
    expect(busy.result).toBe('ok');
    expect(busy.run?.trigger).toBe('change');
    expect(listGenerations(offsitePaths(lab.offsite.root)).at(-1)).toBe(busy.promoted);
  });

  it('reverify finds bit rot in an old generation, marks it damaged and alerts; the next sync heals', async () => {
    lab.reconfigure(
      (c) =>
        void (c.offsite.verify = {
          rotationRuns: 1,
          concurrency: 2,
          resticCheck: false,
          resticPath: 'restic',
        }),
    );
    const p = offsitePaths(lab.offsite.root);
    const newest = listGenerations(p).at(-1)!;
    const victim = walkRepo(join(p.generations, newest)).find((f) => f.path.startsWith('data/'))!;
    const path = join(p.generations, newest, victim.path);
    // Bit rot: the bytes change, size and time do not (so rsync's quick check cannot notice).
    chmodSync(path, 0o644);
    const bytes = readFileSync(path);
    bytes[0]! ^= 0xff;
    writeFileSync(path, bytes);
    utimesSync(path, victim.mtime, victim.mtime);
    // Re-verification is its own command (a daily timer), so a sync takes only as long as its transfer.
    const rv = await cli('reverify');
    expect(rv.code).toBe(1);
    expect(rv.out).toMatch(/1 newly damaged/);
    const status = readStatusFile(p.status);
    expect(status.verification.damaged[0].file).toBe(victim.path);
    expect(status.generations.find((g) => g.name === newest)?.state).toBe('damaged');
    await lab.alerts.waitFor((r) => r.path === '/hook' && (r.json as { event: string }).event === 'damaged');

    // The next generation gets a fresh, verified copy instead of a hardlink to the rotten file.
    await backup();
    const healed = await sync();
    expect(healed.result).toBe('ok');
    const after = readStatusFile(p.status);
    expect(after.generations[0]).toMatchObject({ name: healed.promoted, state: 'verified' });
    expect(walkRepo(join(p.generations, healed.promoted!)).find((f) => f.path === victim.path)!.ino).not.toBe(
      victim.ino,
    );
  });

  it('alerts staleness when no run succeeded for staleAfterHours (injected clock)', async () => {
    const good = lab.offsite.config.offsite!.source!.port;
    lab.reconfigure((c) => void (c.offsite.source.port = 1)); // nothing listens: every run fails
    const later = new Date(Date.now() + 40 * 3_600_000);
    const out = await sync({ now: () => later });
    expect(out.result).toBe('failed');
    expect(out.run?.error?.kind).toBe('network');
    const status = readStatusFile(offsitePaths(lab.offsite.root).status);
    expect(status.stale).toBe(true);
    await lab.alerts.waitFor((r) => r.path === '/hook' && (r.json as { event: string }).event === 'stale');
    expect((await cli('status')).code).toBe(1);
    lab.reconfigure((c) => void (c.offsite.source.port = good));
  });

  it('CLI: status --json, prune --dry-run, and a clear message for a bad config', async () => {
    const st = await cli('status', '--json');
    expect(JSON.parse(st.out).schemaVersion).toBe(2);
    const pr = await cli('prune', '--dry-run');
    expect(pr.code).toBe(0);
    expect(pr.out).toMatch(/^keep {3}\d{8}T\d{6}Z {2}\(newest, last/m);
    writeFileSync(
      join(lab.dir, 'bad.json'),
      JSON.stringify({ version: 1, name: 'x', offsite: { root: 'rel' } }),
    );
    let err = '';
    const code = await main(['sync', '--config', join(lab.dir, 'bad.json')], {
      out: () => undefined,
      err: (t) => void (err += t),
      env: process.env,
    });
    expect(code).toBe(4);
    expect(err).toMatch(/offsite\.root: an absolute path/);
  });
});
