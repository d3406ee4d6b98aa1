import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../pi/src/main.js';
import { forgetArgs } from '../../pi/src/onsite/maintain.js';
import { listGenerations, offsitePaths, walkRepo } from '../../pi/src/offsite/store.js';
import { verifyNamedFiles } from '../../pi/src/hash.js';
import { fileId } from '../../pi/src/repo-files.js';
import {
  postThroughAppendOnlyKey,
  readStatusFile,
  startTwoPiLab,
  writeRandomFiles,
  type TwoPiLab,
} from './lab-two-pi.js';

const run = promisify(execFile);

function packs(repo: string): string[] {
  return readdirSync(join(repo, 'data')).flatMap((d) =>
    readdirSync(join(repo, 'data', d)).map((f) => join(repo, 'data', d, f)),
  );
}

/** Generation names with each file's inode: "untouched" means identical later. */
function fingerprint(lab: TwoPiLab): string {
  const p = offsitePaths(lab.offsite.root);
  return JSON.stringify(
    listGenerations(p).map((g) => [g, walkRepo(join(p.generations, g)).map((f) => [f.path, f.ino, f.mtime])]),
  );
}

/** Moves files out of the onsite repository, keeping them (and their mtimes) to put back later. */
function takeAway(lab: TwoPiLab, files: readonly string[]): () => void {
  const aside = join(lab.dir, `aside-${randomBytes(3).toString('hex')}`);
  const moved = files.map((f) => {
    const to = join(aside, f.slice(lab.onsite.repo.length));
    mkdirSync(dirname(to), { recursive: true });
    renameSync(f, to);
    return [f, to] as const;
  });
  return () => moved.forEach(([f, to]) => renameSync(to, f));
}

function cliIn(lab: () => TwoPiLab) {
  return async (...argv: string[]) => {
    let out = '';
    const code = await main([...argv, '--config', lab().offsite.configPath], {
      out: (t) => void (out += `${t}\n`),
      err: (t) => void (out += `${t}\n`),
      env: process.env,
    });
    return { code, out };
  };
}

describe('restray-pi guard on the bad day: wearing down, lost snapshots, junk and damaged files', () => {
  let lab: TwoPiLab;
  const logs: string[] = [];
  const sync = (now?: () => Date) => lab.sync({ log: (l) => void logs.push(l), ...(now ? { now } : {}) });
  const cli = cliIn(() => lab);
  const hooks = (event: string) =>
    lab.alerts.requests.filter((r) => r.path === '/hook' && (r.json as { event?: string }).event === event);
  let n = 0;
  const backup = async () => {
    const d = join(lab.dir, `ws${n++}`);
    writeRandomFiles(d, 1, 60_000);
    await lab.restic(['backup', '--host', 'ws', d]);
  };

  beforeAll(async () => {
    lab = await startTwoPiLab({
      faultProxy: false,
      configure: (c) => {
        c.offsite.retention = { keepLast: 50 };
        // As installed: the same alert is not repeated within 12 h (the lab default repeats every alert).
        c.alerts.repeatAfterHours = 12;
      },
    });
    for (let i = 0; i < 20; i++) await backup();
    expect((await sync()).result).toBe('ok');
  }, 240_000);
  afterAll(async () => {
    if (process.env.RESTRAY_PI_TEST_LOG) console.log(logs.join('\n'));
    await lab?.stop();
  });

  it('wearing down by ~15 % of the pack data and a snapshot file per run is blocked on the second run', async () => {
    const all = packs(lab.onsite.repo).map((f) => ({ f, size: statSync(f).size }));
    const total = all.reduce((s, x) => s + x.size, 0);
    const slice = () => {
      const left = packs(lab.onsite.repo).sort();
      const pick: string[] = [];
      let bytes = 0;
      for (const f of left) {
        const size = statSync(f).size;
        if (bytes + size > 0.17 * total) continue;
        pick.push(f);
        bytes += size;
        if (bytes >= 0.13 * total) break;
      }
      const snap = readdirSync(join(lab.onsite.repo, 'snapshots')).sort()[0]!;
      return [...pick, join(lab.onsite.repo, 'snapshots', snap)];
    };
    const putBack1 = takeAway(lab, slice());
    const first = await sync();
    expect(first.result).toBe('ok');
    expect(first.promoted).toBeDefined();
    const before = fingerprint(lab);

    const putBack2 = takeAway(lab, slice());
    const second = await sync();
    expect(second.result).toBe('blocked');
    const refGen = listGenerations(offsitePaths(lab.offsite.root))[0]!;
    expect(second.run?.error?.message).toMatch(
      new RegExp(`of the pack data in generation ${refGen} is gone or overwritten`),
    );
    expect(fingerprint(lab)).toBe(before);
    expect(hooks('blocked')).toHaveLength(1);
    // Blocked again, and alerted once only.
    expect((await sync()).result).toBe('blocked');
    expect(fingerprint(lab)).toBe(before);
    expect(hooks('blocked')).toHaveLength(1);

    // approve accepts exactly this finding; afterwards the approved loss is not counted again.
    expect((await cli('approve')).code).toBe(0);
    const approved = await sync();
    expect(approved.result).toBe('ok');
    expect(approved.promoted).toBeDefined();
    await backup();
    expect((await sync()).result).toBe('ok');
    putBack2();
    putBack1();
    expect((await sync()).result).toBe('ok');
  });

  it('deleting every snapshot file blocks, though no pack is lost', async () => {
    const before = fingerprint(lab);
    const snaps = readdirSync(join(lab.onsite.repo, 'snapshots')).map((s) =>
      join(lab.onsite.repo, 'snapshots', s),
    );
    const putBack = takeAway(lab, snaps);
    const out = await sync();
    expect(out.result).toBe('blocked');
    expect(out.run?.error?.message).toMatch(/every snapshot file of the newest generation is gone/);
    expect(out.guard?.lostPacks).toBe(0);
    expect(fingerprint(lab)).toBe(before);
    putBack();
    expect((await sync()).result).toBe('ok');
  });

  it("a junk 64-hex file written through the workstation's append-only key does not stop the next syncs", async () => {
    const id = randomBytes(32).toString('hex');
    expect(await postThroughAppendOnlyKey(lab, `data/${id}`, randomBytes(5000))).toBe(200);
    const junk = `data/${id.slice(0, 2)}/${id}`;
    expect(existsSync(join(lab.onsite.repo, junk))).toBe(true);
    for (let round = 0; round < 2; round++) {
      await backup();
      const out = await sync();
      expect(out.result).toBe('ok');
      expect(out.promoted).toBeDefined();
      const p = offsitePaths(lab.offsite.root);
      expect(existsSync(join(p.generations, out.promoted!, junk))).toBe(false);
      const status = readStatusFile(p.status);
      expect(status.schemaVersion).toBe(2);
      expect(status.generations[0]).toMatchObject({ name: out.promoted, quarantined: [junk] });
      expect(readdirSync(p.quarantine).some((d) => existsSync(join(p.quarantine, d, junk)))).toBe(true);
    }
    expect((await cli('status')).out).toContain(`quarantined (left out): ${junk}`);
    const q = hooks('quarantined');
    expect(q.length).toBeGreaterThanOrEqual(1);
    expect(q[0]!.body).toContain(junk);
  });

  it('a damaged onsite pack with a verified copy in an earlier generation is healed from it', async () => {
    const p = offsitePaths(lab.offsite.root);
    const prev = join(p.generations, listGenerations(p).at(-1)!);
    const victim = packs(lab.onsite.repo)
      .filter((f) => existsSync(join(prev, f.slice(lab.onsite.repo.length + 1))))
      .sort((a, b) => statSync(a).size - statSync(b).size)[0]!;
    const rel = victim.slice(lab.onsite.repo.length + 1);
    const original = readFileSync(victim);
    const st = statSync(victim);
    writeFileSync(victim, randomBytes(original.length));
    try {
      await backup();
      const out = await sync();
      expect(out.result).toBe('ok');
      expect(out.promoted).toBeDefined();
      const gen = join(p.generations, out.promoted!);
      expect(statSync(join(gen, rel)).ino).toBe(statSync(join(prev, rel)).ino);
      const ids = walkRepo(gen)
        .map((f) => f.path)
        .filter((f) => fileId(f));
      expect(await verifyNamedFiles(gen, ids)).toEqual([]);
      const healed = hooks('onsite-damage');
      expect(healed.at(-1)?.body).toContain(rel);
    } finally {
      writeFileSync(victim, original);
      utimesSync(victim, st.atime, st.mtime);
    }
  });

  it('junk written under pack names cannot offset a deletion: the guard judges again without it', async () => {
    const before = fingerprint(lab);
    const all = packs(lab.onsite.repo).sort();
    const total = all.reduce((s, f) => s + statSync(f).size, 0);
    const victims: string[] = [];
    let bytes = 0;
    for (const f of all) {
      if (bytes >= 0.35 * total) break;
      victims.push(f);
      bytes += statSync(f).size;
    }
    const putBack = takeAway(lab, victims);
    const id = randomBytes(32).toString('hex');
    expect(await postThroughAppendOnlyKey(lab, `data/${id}`, randomBytes(bytes))).toBe(200);
    const junk = join(lab.onsite.repo, 'data', id.slice(0, 2), id);
    const mark = logs.length;
    try {
      const out = await sync();
      expect(out.result).toBe('blocked');
      // The junk passed as new packs on the listing; verification found it, and the guard judged again.
      expect(logs.slice(mark).some((l) => /fetching them once more/.test(l))).toBe(true);
      expect(out.run?.error?.message).toMatch(/of the pack data in .* is gone or overwritten .* 0 new/);
      expect(fingerprint(lab)).toBe(before);
    } finally {
      putBack();
      rmSync(junk);
    }
    expect((await sync()).result).toBe('ok');
  });
});

describe('restray-pi protection period and a repository with daily maintain', () => {
  let lab: TwoPiLab;
  const logs: string[] = [];
  const cli = cliIn(() => lab);

  beforeAll(async () => {
    lab = await startTwoPiLab({
      faultProxy: false,
      configure: (c) => void (c.offsite.retention = { keepLast: 1 }),
    });
  }, 240_000);
  afterAll(async () => {
    if (process.env.RESTRAY_PI_TEST_LOG) console.log(logs.join('\n'));
    await lab?.stop();
  });

  it('a simulated series of days of small backups with daily forget + prune promotes every run', async () => {
    // Clock injected, in the past (restic ignores future-dated snapshots for --keep-within): 3 backups a day
    // changing two files each, then the onsite maintain's forget + prune (run as the repository's owner),
    // then the offsite sync at the end of the day.
    const src = join(lab.dir, 'home');
    writeRandomFiles(src, 40, 8_000, 'base');
    const day0 = Date.now() - 12 * 86_400_000;
    const prune = forgetArgs({ keepWithin: '3d', prune: true });
    const outcomes: string[] = [];
    const repacks: boolean[] = [];
    for (let day = 0; day < 8; day++) {
      for (let h = 0; h < 3; h++) {
        writeRandomFiles(src, 2, 8_000, `d${day}h${h}-`);
        const at = new Date(day0 + day * 86_400_000 + h * 6 * 3_600_000);
        const time = at.toISOString().slice(0, 19).replace('T', ' ');
        await lab.restic(['backup', '--host', 'ws', '--time', time, src]);
      }
      await run(
        'runuser',
        [
          '-u',
          lab.onsite.users.workstation,
          '--',
          'restic',
          '-r',
          lab.onsite.repo,
          '--no-cache',
          'forget',
          ...prune,
        ],
        { env: { ...process.env, RESTIC_PASSWORD: lab.workstation.password, RESTIC_PASSWORD_FILE: '' } },
      );
      const end = new Date(day0 + day * 86_400_000 + 23 * 3_600_000);
      const out = await lab.sync({ log: (l) => void logs.push(l), now: () => end });
      outcomes.push(`${day}:${out.result}:${out.promoted ? 'promoted' : '-'}`);
      const c = out.guard?.comparisons[0];
      if (c) repacks.push(c.packsGone >= 10 && c.packsAdded < c.packsGone / 3);
    }
    expect(outcomes).toEqual(Array.from({ length: 8 }, (_, d) => `${d}:ok:promoted`));
    // The prunes did repack (many small packs gone, a few larger ones new), and that did not block.
    expect(repacks.filter(Boolean).length).toBeGreaterThanOrEqual(1);
  });

  it('retention keeps a generation holding removed data for keepRemovedDays, and prune --dry-run says why', async () => {
    const p = offsitePaths(lab.offsite.root);
    for (let i = 0; i < 3; i++) {
      writeRandomFiles(join(lab.dir, `r${i}`), 1, 20_000);
      await lab.restic(['backup', '--host', 'ws', join(lab.dir, `r${i}`)]);
    }
    expect((await lab.sync()).result).toBe('ok');
    const holder = listGenerations(p).at(-1)!;
    // One snapshot removed onsite (below the guard's share), a new backup: keepLast 1 alone would drop `holder`.
    const snaps = readdirSync(join(lab.onsite.repo, 'snapshots')).sort();
    const gone = snaps.at(-1)!;
    takeAway(lab, [join(lab.onsite.repo, 'snapshots', gone)]);
    writeRandomFiles(join(lab.dir, 'r9'), 1, 20_000);
    await lab.restic(['backup', '--host', 'ws', join(lab.dir, 'r9')]);
    expect((await lab.sync()).result).toBe('ok');
    expect(listGenerations(p)).toContain(holder);
    const dry = await cli('prune', '--dry-run');
    expect(dry.out).toMatch(
      new RegExp(`keep {3}${holder} {2}\\(removed data: it is the last to hold \\d+ file\\(s\\)`),
    );
    expect(dry.out).toContain('held until');
    // 31 days later (clock injected) the protection period is over: retention removes it.
    const later = new Date(Date.now() + 31 * 86_400_000);
    expect((await lab.sync({ now: () => later })).result).toBe('ok');
    expect(listGenerations(p)).not.toContain(holder);
    expect(existsSync(join(p.generations, holder))).toBe(false);
    void gone;
  });
});
