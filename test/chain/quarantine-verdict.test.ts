import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppState, ChainStatus } from '../../contract/app-state.js';
import { offsitePaths } from '../../pi/src/offsite/store.js';
import { workstation, type Workstation } from '../cli/cli-lab.js';
import { postThroughAppendOnlyKey, readStatusFile, writeRandomFiles } from '../pi/lab-two-pi.js';
import { connectCliWorkstation, startChainLab, type ChainLab } from './chain-lab.js';

/**
 * Quarantine-aware "safe" (issue 12 item 3) with real parts: the chain lab (sshd, rclone's append-only server,
 * restic, `restray-pi sync`) and the bundled CLI. The hostile onsite side writes a junk pack through the
 * workstation's append-only key (no snapshot uses it) and damages a new pack the newest snapshot needs before the
 * offsite Pi pulls it; both end up set aside offsite. `restray status` asks restic (`find --pack` in the offsite
 * generation, read-only) and says safe with a note for the first, at risk with the offsite hop at fault for the
 * second.
 */
describe('quarantine-aware verdict (CLI, chain lab, real restic)', () => {
  let lab: ChainLab;
  let ws: Workstation;
  let src: string;
  let junk: string;
  const chain = async (): Promise<ChainStatus> => {
    const r = await ws.run(['status', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    return (JSON.parse(r.stdout) as Pick<AppState, 'repos'>).repos[0]!.chain;
  };
  const backup = async () => {
    const b = await ws.run(['backup', 'home']);
    expect(b.exitCode, b.stderr).toBe(0);
  };
  const packs = () => {
    const data = join(lab.pis.onsite.repo, 'data');
    return readdirSync(data).flatMap((d) => readdirSync(join(data, d)).map((f) => join(data, d, f)));
  };
  const newestGeneration = () => readStatusFile(offsitePaths(lab.offsiteRoot).status).generations[0]!;
  const answerFiles = () => {
    const dir = join(ws.home, 'state', 'quarantine-check');
    try {
      return readdirSync(dir).map((f) => join(dir, f));
    } catch {
      return [];
    }
  };

  beforeAll(async () => {
    lab = await startChainLab();
    ws = workstation();
    await connectCliWorkstation(lab, ws);
    src = join(lab.pis.dir, 'quarantine-data');
    writeRandomFiles(src, 2, 50_000);
    const plan = await ws.run(['plan', 'add', 'home', '--repo', 'pi', '--path', src]);
    expect(plan.exitCode, plan.stderr).toBe(0);
    await backup();
    expect((await lab.sync()).result).toBe('ok');
    expect((await chain()).verdict).toBe('safe');
  }, 240_000);
  afterAll(async () => {
    if (ws) rmSync(ws.home, { recursive: true, force: true });
    await lab?.stop();
  });

  it('a junk pack no snapshot uses is set aside offsite: safe, with the note, and restic asked once', async () => {
    const id = randomBytes(32).toString('hex');
    expect(await postThroughAppendOnlyKey(lab.pis, `data/${id}`, randomBytes(5000))).toBe(200);
    junk = `data/${id.slice(0, 2)}/${id}`;
    writeRandomFiles(src, 1, 40_000, 'second');
    await backup();
    expect((await lab.sync()).result).toBe('ok');
    expect(newestGeneration().quarantined).toEqual([junk]);

    const c = await chain();
    expect(c.verdict).toBe('safe');
    expect(c.risk).toBeUndefined();
    expect(c.offsite).toMatchObject({ state: 'ok', setAside: { files: 1, needed: 0 } });
    const text = await ws.run(['status']);
    expect(text.stdout).toContain('pi: safe: the newest snapshot is on the onsite and the offsite Pi');
    expect(text.stdout).toContain('(The offsite Pi set aside 1 unrelated file.)');
    const de = await ws.run(['status'], { env: { LANG: 'de_DE.UTF-8' } });
    expect(de.stdout).toContain('(Der externe Pi hat 1 nicht benötigte Datei beiseitegelegt.)');

    // The answer is kept per (snapshot, set-aside set): later looks do not ask restic again.
    const [file] = answerFiles();
    expect(file).toBeDefined();
    const before = statSync(file!).mtimeMs;
    const kept = readFileSync(file!, 'utf8');
    expect((await chain()).verdict).toBe('safe');
    expect(statSync(file!).mtimeMs).toBe(before);
    expect(readFileSync(file!, 'utf8')).toBe(kept);
  });

  it('a damaged pack the newest snapshot needs is set aside offsite: at risk, offsite at fault, file named', async () => {
    const before = new Set(packs());
    writeFileSync(join(src, 'thesis.pdf'), randomBytes(3_000_000));
    await backup();
    // The hostile onsite side damages the new data pack before the offsite Pi pulls it (same size, other bytes).
    const victim = packs()
      .filter((p) => !before.has(p))
      .sort((a, b) => statSync(b).size - statSync(a).size)[0]!;
    writeFileSync(victim, randomBytes(statSync(victim).size));
    const out = await lab.sync();
    expect(out.result).toBe('ok');
    const rel = victim.slice(lab.pis.onsite.repo.length + 1);
    expect(newestGeneration().quarantined?.sort()).toEqual([junk, rel].sort());

    const c = await chain();
    expect(c.verdict).toBe('at-risk');
    expect(c.risk).toMatchObject({ cause: 'missing-offsite', hop: 'offsite', missingFiles: 1 });
    expect(c.risk?.paths).toEqual([`${src}/thesis.pdf`]);
    expect(c.offsite).toMatchObject({ state: 'failed', setAside: { files: 2, needed: 1 } });
    expect(c.offsite.reason).toContain(rel);
    const text = (await ws.run(['status'])).stdout;
    expect(text).toContain('pi: not safe: the offsite copy of your newest backup is missing data\n');
    expect(text).toContain(
      `why: The offsite copy of your newest backup is missing data: the offsite Pi set aside 1 damaged file it needs (affected: ${src}/thesis.pdf).`,
    );
    const de = (await ws.run(['status'], { env: { LANG: 'de_DE.UTF-8' } })).stdout;
    expect(de).toContain('pi: nicht sicher: der externen Kopie Ihrer neuesten Sicherung fehlen Daten\n');
    expect(de).toContain('warum: Der externen Kopie Ihrer neuesten Sicherung fehlen Daten');
  });
});
