import { chmodSync, chownSync, mkdtempSync, statSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import type { ChainStatus, EngineEvent } from '../../contract/app-state.js';
import type { Repository } from '../../contract/config.js';
import { resolvePaths } from '../../core/config/paths.js';
import { Engine } from '../../core/engine/engine.js';
import { listTree, writeRandomFiles } from '../pi/lab-two-pi.js';
import { deadPort, memorySecrets, startChainLab, type ChainLab } from './chain-lab.js';

/** The keychain is not what these tests are about: a map behind the SecretStore interface. */

const temps: string[] = [];
/** A temporary folder removed after the tests. */
function temp(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  temps.push(d);
  return d;
}

describe('chain status across the hops (real sshd, restic, rclone, restray-pi sync)', () => {
  let lab: ChainLab;
  let engine: Engine;
  let src: string;
  const events: EngineEvent[] = [];
  const chains = () => events.filter((e) => e.type === 'chain-changed').map((e) => e.chain);

  const backup = async () => {
    const run = await engine.startBackup('home', 'manual').done;
    expect(run.result, JSON.stringify(run.error)).toBe('success');
    return run;
  };
  const check = async (): Promise<ChainStatus> => {
    const [c] = await engine.refreshChains(['pi']);
    expect(c).toBeDefined();
    return c!;
  };
  const statusFile = () => join(lab.pis.onsite.statusDir, 'offsite.json');

  beforeAll(async () => {
    lab = await startChainLab();
    const home = temp('restray-chain-ws-');
    engine = await Engine.open({
      paths: resolvePaths('linux', { RESTRAY_HOME: home }, home),
      secrets: memorySecrets(),
    });
    engine.subscribe((e) => events.push(e));
    await engine.addRepository(lab.repository(), lab.pis.workstation.password, { verify: true });
    src = join(lab.pis.dir, 'ws-data');
    writeRandomFiles(src, 4, 200_000);
    await engine.savePlan({ name: 'home', repo: 'pi', paths: [src], prune: false });
  });
  afterAll(async () => {
    for (const d of temps) rmSync(d, { recursive: true, force: true });
    await engine?.close();
    await lab?.stop();
  });

  it('is unknown (never safe) until the offsite Pi has published a status', async () => {
    await backup();
    const c = await check();
    expect(c.verdict).toBe('unknown');
    expect(c.onsite.state).toBe('ok');
    expect(c.offsite.state).toBe('unknown');
    expect(c.offsite.reason).toMatch(/has not published a status/);
  });

  it('is safe once a verified generation holds the newest snapshot', async () => {
    const out = await lab.sync();
    expect(out.result).toBe('ok');
    const c = await check();
    expect(c.verdict).toBe('safe');
    expect(c.offsite.state).toBe('ok');
    // restic 0.14 reported an 8-character ID; the onsite listing resolved it to the full one.
    expect(c.workstation.newestSnapshot?.id).toMatch(/^[0-9a-f]{64}$/);
    expect(c.offsite.newestConfirmed?.id).toBe(c.workstation.newestSnapshot?.id);
    expect(c.offsite.snapshotsBehind).toBe(0);
    expect(c.offsite.lastSuccess).toBeDefined();
    // The state the UI loads shows the same chain, and the change was pushed as an event.
    expect((await engine.getState()).repos[0]!.chain.verdict).toBe('safe');
    expect(chains().at(-1)?.verdict).toBe('safe');
  });

  it('is not yet offsite after a newer backup, and safe again after the next sync', async () => {
    const first = (await check()).workstation.newestSnapshot!;
    writeRandomFiles(src, 1, 100_000, 'new');
    const run = await backup();
    const c = await check();
    expect(c.verdict).toBe('not-yet-offsite');
    expect(c.workstation.newestSnapshot?.id.startsWith(run.backup!.snapshotId)).toBe(true);
    expect(c.offsite.newestConfirmed?.id).toBe(first.id);
    expect(c.offsite.snapshotsBehind).toBe(1);
    expect(c.offsite.lagSeconds).toBeGreaterThanOrEqual(0);
    expect(c.offsite.lagSeconds).toBeLessThan(120);
    // Within the lag limit the hop is fine, the verdict tells the truth.
    expect(c.offsite.state).toBe('ok');

    expect((await lab.sync()).result).toBe('ok');
    const again = await check();
    expect(again.verdict).toBe('safe');
    expect(again.offsite.newestConfirmed?.id.startsWith(run.backup!.snapshotId)).toBe(true);
  });

  it('is unknown with the reason when the status is invalid, of another version, or unreadable', async () => {
    const good = readFileSync(statusFile(), 'utf8');
    const { uid, gid } = statSync(statusFile());
    try {
      writeFileSync(statusFile(), good.slice(0, good.length / 2));
      let c = await check();
      expect(c.verdict).toBe('unknown');
      expect(c.offsite).toMatchObject({ state: 'unknown', reason: expect.stringMatching(/not valid JSON/) });

      writeFileSync(statusFile(), JSON.stringify({ ...JSON.parse(good), schemaVersion: 99 }));
      c = await check();
      expect(c.verdict).toBe('unknown');
      expect(c.offsite.reason).toMatch(/schema version 99/);

      // The published document is the signed envelope (version 3) around the status.
      const envelope = JSON.parse(good);
      const doc = JSON.parse(envelope.payload);
      doc.generations[0].snapshotIds = ['not-an-id'];
      writeFileSync(statusFile(), JSON.stringify({ ...envelope, payload: JSON.stringify(doc) }));
      c = await check();
      expect(c.verdict).toBe('unknown');
      expect(c.offsite.reason).toMatch(/generations\.0\.snapshotIds\.0/);

      writeFileSync(statusFile(), good);
      chownSync(statusFile(), 0, 0);
      chmodSync(statusFile(), 0o600);
      c = await check();
      expect(c.verdict).toBe('unknown');
      expect(c.offsite.reason).toMatch(/does not let this key read the offsite status/);
    } finally {
      writeFileSync(statusFile(), good);
      chownSync(statusFile(), uid, gid);
      chmodSync(statusFile(), 0o644);
    }
    expect((await check()).verdict).toBe('safe');
  });

  it('asks the offsite Pi itself while the onsite Pi is unreachable, and restores from it byte-identical', async () => {
    const gone: Repository = structuredClone(engine.getConfig().repositories[0]!);
    if (gone.target.kind !== 'append-only') throw new Error('lab repository is append-only');
    gone.target.port = await deadPort();
    await engine.replaceConfig({ ...engine.getConfig(), repositories: [gone] });
    const c = await check();
    expect(c.onsite.state).toBe('unreachable');
    expect(c.verdict).toBe('safe');

    const target = temp('restray-chain-restore-');
    const { done } = await engine.startOffsiteRestore({
      repo: 'pi',
      snapshot: 'latest',
      destination: { kind: 'folder', path: target },
    });
    const run = await done;
    expect(run.result, JSON.stringify(run.error)).toBe('success');
    const restored = join(target, src);
    expect(listTree(restored)).toEqual(listTree(src));
    for (const f of listTree(src))
      expect(readFileSync(join(restored, f)).equals(readFileSync(join(src, f)))).toBe(true);
    // Read-only: restic left no lock in the generation (it could not have written one anyway).
    const gens = listTree(join(lab.offsiteRoot, 'generations'));
    expect(gens.filter((f) => f.includes('/locks/'))).toEqual([]);
  });
});
