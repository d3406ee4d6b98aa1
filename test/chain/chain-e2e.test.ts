import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import type { ChainStatus } from '../../contract/app-state.js';
import type { Repository } from '../../contract/config.js';
import { resolvePaths } from '../../core/config/paths.js';
import { Engine } from '../../core/engine/engine.js';
import { waitFor } from '../cli/cli-lab.js';
import { listTree, writeRandomFiles } from '../pi/lab-two-pi.js';
import { deadPort, memorySecrets, startChainLab, type ChainLab } from './chain-lab.js';

const temps: string[] = [];
/** A temporary folder removed after the tests. */
function temp(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  temps.push(d);
  return d;
}

/**
 * Issue 5's chain with real parts and the offsite timer replaced by a loop: a backup through the core →
 * an offsite generation appears → safe; the onsite→offsite link cut → the next backup stays "not yet offsite",
 * the offsite hop fails and an alert reaches the receiver; link back → safe again; onsite Pi gone → restore
 * from the offsite Pi, byte-identical. Every step waits on a condition.
 */
describe('the whole chain, end to end, with a cut link', () => {
  let lab: ChainLab;
  let engine: Engine;
  let src: string;
  let loop: ReturnType<ChainLab['syncLoop']>;

  const backup = async () => {
    const run = await engine.startBackup('home', 'manual').done;
    expect(run.result, JSON.stringify(run.error)).toBe('success');
    return run;
  };
  const chainUntil = (pred: (c: ChainStatus) => boolean, what: string, ms = 60_000) =>
    waitFor(
      async () => {
        const [c] = await engine.refreshChains(['pi']);
        return c && pred(c) ? c : undefined;
      },
      what,
      ms,
    );

  beforeAll(async () => {
    lab = await startChainLab();
    const home = temp('restray-e2e-ws-');
    engine = await Engine.open({
      paths: resolvePaths('linux', { RESTRAY_HOME: home }, home),
      secrets: memorySecrets(),
    });
    await engine.addRepository(lab.repository(), lab.pis.workstation.password, { verify: true });
    src = join(lab.pis.dir, 'e2e-data');
    writeRandomFiles(src, 5, 400_000);
    await engine.savePlan({ name: 'home', repo: 'pi', paths: [src], prune: false });
    loop = lab.syncLoop();
  });
  afterAll(async () => {
    for (const d of temps) rmSync(d, { recursive: true, force: true });
    await loop?.stop();
    await engine?.close();
    await lab?.stop();
  });

  it('backup → offsite → safe; link cut → not yet offsite + alert; link back → safe; onsite gone → restore', async () => {
    const t0 = Date.now();
    const first = await backup();
    const backupDone = Date.now();
    const safe = await chainUntil(
      (c) =>
        c.verdict === 'safe' &&
        c.workstation.newestSnapshot?.id.startsWith(first.backup!.snapshotId) === true,
      'the first snapshot to be offsite',
    );
    const offsiteVerified = Date.now();
    expect(safe.offsite.state).toBe('ok');
    console.log(
      `chain timing: backup ${backupDone - t0} ms; backup done → offsite verified and seen by the app ${offsiteVerified - backupDone} ms`,
    );

    // Cut the onsite → offsite link (the offsite Pi pulls through the fault proxy).
    const hooksBefore = lab.pis.alerts.requests.length;
    lab.pis.proxy!.refuse(true);
    lab.pis.proxy!.cut();
    writeRandomFiles(src, 1, 200_000, 'after-cut');
    const second = await backup();
    const behind = await chainUntil(
      (c) => c.verdict === 'not-yet-offsite' && c.offsite.state === 'failed',
      'the offsite hop to report the failed sync',
    );
    expect(behind.workstation.newestSnapshot?.id.startsWith(second.backup!.snapshotId)).toBe(true);
    expect(behind.offsite.newestConfirmed?.id).toBe(safe.workstation.newestSnapshot?.id);
    expect(behind.offsite.snapshotsBehind).toBe(1);
    expect(behind.offsite.reason).toBeTruthy();
    const alert = await lab.pis.alerts.waitFor(
      (r) => lab.pis.alerts.requests.indexOf(r) >= hooksBefore && r.path === '/hook',
      30_000,
    );
    expect(alert.body).toMatch(/fail/i);

    // Link back: the loop catches up without anyone doing anything.
    lab.pis.proxy!.refuse(false);
    const caughtUp = await chainUntil(
      (c) => c.verdict === 'safe' && c.offsite.state === 'ok',
      'the offsite Pi to catch up',
    );
    expect(caughtUp.offsite.newestConfirmed?.id.startsWith(second.backup!.snapshotId)).toBe(true);

    // The onsite Pi is gone: the status comes from the offsite Pi itself, the restore too.
    await loop.stop();
    const gone: Repository = structuredClone(engine.getConfig().repositories[0]!);
    if (gone.target.kind !== 'append-only') throw new Error('lab repository is append-only');
    gone.target.port = await deadPort();
    await engine.replaceConfig({ ...engine.getConfig(), repositories: [gone] });
    const lost = await chainUntil((c) => c.onsite.state === 'unreachable', 'the onsite Pi to be unreachable');
    expect(lost.verdict).toBe('safe');
    const target = temp('restray-e2e-restore-');
    const run = await (
      await engine.startOffsiteRestore({
        repo: 'pi',
        snapshot: 'latest',
        destination: { kind: 'folder', path: target },
      })
    ).done;
    expect(run.result, JSON.stringify(run.error)).toBe('success');
    const restored = join(target, src);
    expect(listTree(restored)).toEqual(listTree(src));
    for (const f of listTree(src))
      expect(readFileSync(join(restored, f)).equals(readFileSync(join(src, f)))).toBe(true);
    expect(Date.now() - t0).toBeLessThan(180_000);
  });
});
