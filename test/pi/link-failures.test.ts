import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyNamedFiles } from '../../pi/src/hash.js';
import { listGenerations, offsitePaths, walkRepo } from '../../pi/src/offsite/store.js';
import { fileId } from '../../pi/src/repo-files.js';
import { readStatusFile, startTwoPiLab, waitUntil, writeRandomFiles, type TwoPiLab } from './lab-two-pi.js';

/** Hashes every content-addressed file of each generation: proves earlier generations are intact. */
async function generationsIntact(lab: TwoPiLab): Promise<string[]> {
  const p = offsitePaths(lab.offsite.root);
  const gens = listGenerations(p);
  for (const g of gens) {
    const files = walkRepo(join(p.generations, g))
      .filter((f) => fileId(f.path))
      .map((f) => f.path);
    expect(files.length).toBeGreaterThan(3);
    expect(await verifyNamedFiles(join(p.generations, g), files)).toEqual([]);
  }
  return gens;
}

describe('restray-pi sync over a failing link', () => {
  let lab: TwoPiLab;
  const logs: string[] = [];
  beforeAll(async () => {
    // 600 KiB/s: a 3 MB backup takes ~5 s to pull, long enough to break the link in the middle.
    lab = await startTwoPiLab({
      configure: (c) => {
        c.offsite.rsync = { bwlimitKiB: 600 };
        c.offsite.retention = { keepLast: 10 };
      },
    });
    writeRandomFiles(join(lab.dir, 'ws1'), 2, 200_000);
    await lab.restic(['backup', '--host', 'ws', join(lab.dir, 'ws1')]);
    expect((await sync()).result).toBe('ok');
  });
  afterAll(async () => {
    if (process.env.RESTRAY_PI_TEST_LOG) console.log(logs.join('\n'));
    await lab?.stop();
  });

  const sync = () => lab.sync({ log: (l) => void logs.push(l) });

  /** Starts a sync, breaks the link once `after` bytes came through, returns the outcome and the seconds to it. */
  async function syncAndBreak(breakLink: () => void, after: number) {
    const start = lab.proxy!.bytes.down;
    const running = sync();
    await waitUntil(() => lab.proxy!.bytes.down - start > after, 30_000, 'the transfer to get going');
    breakLink();
    const t0 = Date.now();
    const out = await running;
    return { out, seconds: (Date.now() - t0) / 1000 };
  }

  it('a cut link ends the run cleanly: failed status, alert, earlier generations intact; the rerun resumes', async () => {
    const before = await generationsIntact(lab);
    writeRandomFiles(join(lab.dir, 'ws2'), 3, 1_000_000);
    await lab.restic(['backup', '--host', 'ws', join(lab.dir, 'ws2')]);
    const hooksBefore = lab.alerts.requests.length;

    const { out, seconds } = await syncAndBreak(() => lab.proxy!.cut(), 1_200_000);
    expect(out.result).toBe('failed');
    expect(seconds).toBeLessThan(60);
    expect(out.run?.error?.kind).toBe('network');
    expect(out.run?.error?.message).toMatch(/connection .* lost/i);

    const hook = await lab.alerts.waitFor(
      (r, i = lab.alerts.requests.indexOf(r)) => i >= hooksBefore && r.path === '/hook',
    );
    expect(hook.json).toMatchObject({ event: 'failed', repository: 'lab', source: 'restray-pi' });
    expect(hook.headers.authorization).toBe('Bearer lab-token');
    await lab.alerts.waitFor((r) => r.path === '/hc/fail');
    expect(lab.mail.messages().at(-1)).toMatch(/^Subject: restray-pi lab: offsite copy failed$/m);

    const status = readStatusFile(offsitePaths(lab.offsite.root).status);
    expect(status.lastRun).toMatchObject({ result: 'failed', phase: 'transfer' });
    // Published onsite too (the status key reaches the onsite sshd directly, not through the broken link).
    expect(readStatusFile(join(lab.onsite.statusDir, 'offsite.json')).lastRun?.result).toBe('failed');
    expect(await generationsIntact(lab)).toEqual(before);

    // Counted though rsync printed no totals: the files it finished and what it kept of the one it was on.
    expect(out.bytesTransferred).toBeGreaterThan(500_000);
    expect(out.run?.bytesTransferred).toBe(out.bytesTransferred);
    const firstBytes = out.bytesTransferred;
    const again = await sync();
    expect(again.result).toBe('ok');
    // Resumed: the rerun fetched what the first attempt had not (3 MB new in total, ≥ 1.2 MB came before the cut).
    expect(again.bytesTransferred).toBeLessThan(3_000_000 - 1_000_000);
    expect(firstBytes + again.bytesTransferred).toBeLessThan(3_000_000 * 1.15);
    expect(await generationsIntact(lab)).toHaveLength(before.length + 1);
    await lab.alerts.waitFor(
      (r) => r.path === '/hook' && (r.json as { event?: string }).event === 'recovered',
    );
  });

  it('a stalled link ends the run within 60 s with the default keepalives; the rerun completes', async () => {
    const before = await generationsIntact(lab);
    writeRandomFiles(join(lab.dir, 'ws3'), 3, 1_000_000);
    await lab.restic(['backup', '--host', 'ws', join(lab.dir, 'ws3')]);
    const { out, seconds } = await syncAndBreak(() => lab.proxy!.stall(), 1_000_000);
    lab.proxy!.resume();
    expect(out.result).toBe('failed');
    expect(seconds).toBeLessThan(60);
    expect(out.run?.error?.kind).toBe('network');
    expect(out.run?.error?.message).toMatch(/stalled/);
    expect(await generationsIntact(lab)).toEqual(before);
    const again = await sync();
    expect(again.result).toBe('ok');
    expect(again.bytesTransferred).toBeLessThan(2_200_000);
  });
});
