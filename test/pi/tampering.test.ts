import { readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../pi/src/main.js';
import { listGenerations, offsitePaths, walkRepo } from '../../pi/src/offsite/store.js';
import { verifyNamedFiles } from '../../pi/src/hash.js';
import { fileId } from '../../pi/src/repo-files.js';
import { readStatusFile, startTwoPiLab, writeRandomFiles, type TwoPiLab } from './lab-two-pi.js';

/** Generation names with each file's inode and size: "untouched" means this snapshot is identical later. */
function fingerprint(lab: TwoPiLab): string {
  const p = offsitePaths(lab.offsite.root);
  return JSON.stringify(
    listGenerations(p).map((g) => [
      g,
      walkRepo(join(p.generations, g)).map((f) => [f.path, f.ino, f.size, f.mtime]),
    ]),
  );
}

function packs(repo: string): string[] {
  return readdirSync(join(repo, 'data')).flatMap((d) =>
    readdirSync(join(repo, 'data', d)).map((f) => join(repo, 'data', d, f)),
  );
}

describe('restray-pi sync against a damaged or attacked onsite repository', () => {
  let lab: TwoPiLab;
  const logs: string[] = [];
  const sync = () => lab.sync({ log: (l) => void logs.push(l) });
  const cli = async (...argv: string[]) => {
    let out = '';
    const code = await main([...argv, '--config', lab.offsite.configPath], {
      out: (t) => void (out += t),
      err: (t) => void (out += t),
      env: process.env,
    });
    return { code, out };
  };
  const lastHook = () =>
    lab.alerts.requests.filter((r) => r.path === '/hook').at(-1)?.json as
      { event: string; message: string } | undefined;

  beforeAll(async () => {
    lab = await startTwoPiLab({
      faultProxy: false,
      configure: (c) => void (c.offsite.retention = { keepLast: 20 }),
    });
    // Several backups so the repository has enough packs for share-based guard decisions.
    for (let i = 0; i < 6; i++) {
      writeRandomFiles(join(lab.dir, `ws${i}`), 1, 150_000);
      await lab.restic(['backup', '--host', 'ws', join(lab.dir, `ws${i}`)]);
    }
    expect((await sync()).result).toBe('ok');
  });
  afterAll(async () => {
    if (process.env.RESTRAY_PI_TEST_LOG) console.log(logs.join('\n'));
    await lab?.stop();
  });

  it('a flipped byte in a new onsite pack is detected, fetched once more, quarantined and alerted; the rest is promoted', async () => {
    const old = new Set(packs(lab.onsite.repo));
    writeRandomFiles(join(lab.dir, 'wsflip'), 1, 200_000);
    await lab.restic(['backup', '--host', 'ws', join(lab.dir, 'wsflip')]);
    const fresh = packs(lab.onsite.repo).filter((f) => !old.has(f));
    const victim = fresh.sort((a, b) => statSync(b).size - statSync(a).size)[0]!;
    const bytes = readFileSync(victim);
    bytes[Math.floor(bytes.length / 2)]! ^= 0x01;
    writeFileSync(victim, bytes);

    const out = await sync();
    expect(out.result).toBe('ok');
    expect(out.promoted).toBeDefined();
    const rel = victim.slice(lab.onsite.repo.length + 1);
    const p = offsitePaths(lab.offsite.root);
    expect(walkRepo(join(p.generations, out.promoted!)).some((f) => f.path === rel)).toBe(false);
    const status = readStatusFile(p.status);
    expect(status.generations[0].quarantined).toEqual([rel]);
    expect(logs.some((l) => /fetching them once more/.test(l))).toBe(true);
    await lab.alerts.waitFor(
      (r) =>
        r.path === '/hook' && (r.json as { event: string }).event === 'quarantined' && r.body.includes(rel),
    );

    // Repaired onsite (byte flipped back): the next run promotes.
    bytes[Math.floor(bytes.length / 2)]! ^= 0x01;
    writeFileSync(victim, bytes);
    expect((await sync()).result).toBe('ok');
  });

  it('one pack overwritten in place is fetched next to its hardlink and healed from the generation, which keeps its bytes', async () => {
    const p = offsitePaths(lab.offsite.root);
    const gen = join(p.generations, listGenerations(p).at(-1)!);
    const before = fingerprint(lab);
    // One pack of the newest generation, rewritten with the same size: below the guard's threshold.
    const victim = packs(lab.onsite.repo).sort()[0]!;
    const original = readFileSync(victim);
    const st = statSync(victim);
    writeFileSync(victim, randomBytes(original.length));
    try {
      const out = await sync();
      // The generation's verified copy of that name is the same file: nothing new to promote.
      expect(out.result).toBe('ok');
      expect(out.promoted).toBeUndefined();
      expect(fingerprint(lab)).toBe(before);
      expect(lastHook()?.event).toBe('onsite-damage');
      const ids = walkRepo(gen)
        .map((f) => f.path)
        .filter((f) => fileId(f));
      expect(await verifyNamedFiles(gen, ids)).toEqual([]);
    } finally {
      writeFileSync(victim, original);
      utimesSync(victim, st.atime, st.mtime);
    }
  });

  it('a new key at the source blocks until approved; approve covers exactly that change', async () => {
    const before = fingerprint(lab);
    const pw = join(lab.dir, 'newpw');
    writeFileSync(pw, 'another-password\n', { mode: 0o600 });
    await lab.restic(['key', 'add', '--new-password-file', pw]);
    const out = await sync();
    expect(out.result).toBe('blocked');
    expect(out.run?.error?.message).toMatch(/keys changed/);
    expect(fingerprint(lab)).toBe(before);
    expect(lastHook()?.event).toBe('blocked');
    expect((await cli('status', '--json')).code).toBe(3);

    expect((await cli('approve')).code).toBe(0);
    const ok = await sync();
    expect(ok.result).toBe('ok');
    expect(ok.promoted).toBeDefined();
    expect((await cli('status')).code).toBe(0);
  });

  it('onsite mass deletion blocks the run and leaves every generation untouched', async () => {
    const before = fingerprint(lab);
    const all = packs(lab.onsite.repo);
    for (const f of all.slice(0, Math.ceil(all.length * 0.6))) rmSync(f);
    const out = await sync();
    expect(out.result).toBe('blocked');
    expect(out.run?.error?.message).toMatch(/% of the pack data in the newest generation is gone/);
    expect(fingerprint(lab)).toBe(before);
    const status = readStatusFile(offsitePaths(lab.offsite.root).status);
    expect(status.guard).toMatchObject({ state: 'blocked' });
    expect(status.lastRun?.result).toBe('blocked');
    expect(lastHook()?.event).toBe('blocked');
    // Still blocked on the next run: nothing is promoted or pruned while the source looks attacked.
    expect((await sync()).result).toBe('blocked');
    expect(fingerprint(lab)).toBe(before);
  });

  it('ransomware overwriting packs in place (same names) blocks the run', async () => {
    const before = fingerprint(lab);
    for (const f of packs(lab.onsite.repo)) writeFileSync(f, randomBytes(statSync(f).size));
    const out = await sync();
    expect(out.result).toBe('blocked');
    expect(out.run?.error?.message).toMatch(/overwritten/);
    expect(fingerprint(lab)).toBe(before);
    // Staging holds hardlinks into the newest generation while the transfer writes next to them: the bytes of
    // the generation are untouched, not only its inodes.
    const p = offsitePaths(lab.offsite.root);
    const gen = join(p.generations, listGenerations(p).at(-1)!);
    const ids = walkRepo(gen)
      .map((f) => f.path)
      .filter((f) => fileId(f));
    expect(await verifyNamedFiles(gen, ids)).toEqual([]);
    expect(lab.mail.messages().at(-1)).toMatch(/Subject: restray-pi lab: offsite copy blocked/);
  });
});
