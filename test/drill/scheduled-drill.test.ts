import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../contract/app-state.js';
import { resolvePaths } from '../../core/config/paths.js';
import { Engine } from '../../core/engine/engine.js';
import { memorySecrets } from '../chain/chain-lab.js';
import { waitFor } from '../cli/cli-lab.js';
import { scratch, writeRandomFile, writeTree } from '../restic/restic-lab.js';

/**
 * Scheduled restore drills through the engine's own scheduler (real restic, a local repository): the monthly
 * drill missed while the machine was off is made up once, never on battery (it waits for mains power) and
 * never beside a backup of the same repository.
 */
describe('scheduled restore drills', () => {
  const cleanups: (() => void | Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('a missed monthly drill waits for mains power, then runs once after the running backup', async () => {
    const lab = scratch('drill-sched');
    cleanups.push(lab.cleanup);
    const home = join(lab.dir, 'home');
    const paths = resolvePaths('linux', { RESTRAY_HOME: home }, home);
    // The last drill slot handled two months ago: this month's slot was missed (the machine was off).
    mkdirSync(paths.stateDir, { recursive: true });
    const twoMonthsAgo = new Date(Date.now() - 62 * 86_400_000).toISOString();
    writeFileSync(join(paths.stateDir, 'schedule.json'), JSON.stringify({ 'drill:usb': twoMonthsAgo }));
    const engine = await Engine.open({ paths, secrets: memorySecrets(), role: 'daemon' });
    cleanups.push(() => engine.close());
    await engine.addRepository(
      { name: 'usb', target: { kind: 'local', path: join(lab.dir, 'repo') } },
      'drill-pass',
      { init: true },
    );
    const src = join(lab.dir, 'src');
    writeTree(src, { 'a.txt': 'alpha', 'b/c.txt': 'gamma' });
    writeRandomFile(join(src, 'big.bin'), 30_000_000);
    await engine.savePlan({ name: 'home', repo: 'usb', paths: [src], prune: false });
    expect((await engine.startBackup('home', 'manual').done).result).toBe('success');

    const drills: RunRecord[] = [];
    engine.subscribe((e) => {
      if (e.type === 'job-finished' && e.run.kind === 'drill') drills.push(e.run);
    });
    engine.setOnBattery(true);
    await engine.startScheduler();
    await engine.idle();
    expect(drills).toEqual([]);
    expect((await engine.getState()).jobs).toEqual([]);

    // A backup is running when power returns: the drill waits for it.
    writeRandomFile(join(src, 'big2.bin'), 30_000_000);
    const backup = engine.startBackup('home', 'manual');
    await waitFor(
      async () => (await engine.getState()).jobs.some((j) => j.kind === 'backup' && j.state === 'running'),
      'the backup to run',
    );
    engine.setOnBattery(false);
    const backupRun = await backup.done;
    const drill = await waitFor(() => drills[0], 'the made-up drill', 120_000);
    expect(drill.trigger).toBe('catch-up');
    expect(drill.result, JSON.stringify(drill.error)).toBe('success');
    expect(drill.drill).toMatchObject({ from: 'onsite', comparedWith: 'recorded', failures: [] });
    expect(Date.parse(drill.startedAt)).toBeGreaterThanOrEqual(Date.parse(backupRun.endedAt));
    // Once, not once per missed month; and the slot is remembered.
    engine.notifyResume();
    await engine.idle();
    expect(drills).toHaveLength(1);
    expect((await engine.getState()).repos[0]!.lastDrill?.id).toBe(drill.id);
    rmSync(src, { recursive: true, force: true });
  });
});
