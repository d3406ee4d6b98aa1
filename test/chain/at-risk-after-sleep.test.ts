import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../contract/app-state.js';
import { resolvePaths } from '../../core/config/paths.js';
import { Engine } from '../../core/engine/engine.js';
import { RepoLocks } from '../../core/jobs/repo-lock.js';
import type { Clock } from '../../core/schedule/clock.js';
import { writeRandomFiles } from '../pi/lab-two-pi.js';
import { waitFor } from '../restic/restic-lab.js';
import { memorySecrets } from './chain-lab.js';

const PASSWORD = 'sleepy laptop 4711';

/**
 * A laptop asleep for two days (issue 12): its newest snapshot is far older than the daily schedule allows, but
 * until the make-up run after wake has run, the chain is not at risk — the clock alone does not judge it. The
 * make-up run fails (real restic: the folder is gone): now it is at risk, and no chain said so before.
 * The engine's clock is set (the scheduler's persisted state and the run history follow it); restic is real.
 */
describe('a missed slot while asleep is judged by the make-up run (real restic, real scheduler state)', () => {
  const root = mkdtempSync(join(tmpdir(), 'restray-sleep-'));
  const home = join(root, 'home');
  const paths = resolvePaths('linux', { RESTRAY_HOME: home }, home);
  const secrets = memorySecrets();
  let nowMs = Date.parse('2026-03-01T10:00:00.000Z');
  const clock: Clock = { now: () => new Date(nowMs) };
  const engines: Engine[] = [];
  const open = async () => {
    const e = await Engine.open({ paths, secrets, clock });
    engines.push(e);
    return e;
  };
  afterAll(async () => {
    for (const e of engines) await e.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('not at risk while the make-up is pending, at risk once it failed', async () => {
    const src = join(root, 'data');
    writeRandomFiles(src, 2, 50_000);
    const before = await open();
    await before.addRepository(
      { name: 'usb', target: { kind: 'local', path: join(root, 'repo') } },
      PASSWORD,
      { init: true },
    );
    // Daily at 03:00: a slot the real clock will not reach while this test runs.
    await before.savePlan({ name: 'home', repo: 'usb', paths: [src], schedule: '0 3 * * *', prune: false });
    const first = await before.startBackup('home', 'manual').done;
    expect(first.result, JSON.stringify(first.error)).toBe('success');
    await before.close();

    // Asleep from 10:00 on the 1st to 09:00 on the 3rd: the scheduler last handled the 1st's 03:00 slot.
    writeFileSync(paths.stateDir + '/schedule.json', JSON.stringify({ home: '2026-03-01T03:00:00.000Z' }));
    nowMs = Date.parse('2026-03-03T09:00:00.000Z');
    rmSync(src, { recursive: true });
    // The tray app (holding the scheduler lock) has just woken too; its make-up run is still to come.
    const tray = new RepoLocks({ dir: join(paths.stateDir, 'locks'), role: 'tray' });
    const releaseTray = await tray.acquire('.scheduler', { kind: 'schedule', name: 'plans' });
    const awake = await open();
    const woken = (await awake.getState()).repos[0]!.chain;
    // 47 h old against a 30 h limit, but the make-up run has not had its chance.
    expect(woken.verdict).not.toBe('at-risk');
    expect(woken.risk).toBeUndefined();

    // With nobody to make the slot up, the clock alone judges it.
    releaseTray();
    expect((await awake.getState()).repos[0]!.chain.verdict).toBe('at-risk');

    const events: EngineEvent[] = [];
    awake.subscribe((e) => events.push(e));
    await awake.startScheduler();
    const finished = () =>
      events.find(
        (e): e is Extract<EngineEvent, { type: 'job-finished' }> =>
          e.type === 'job-finished' && e.run.trigger === 'catch-up',
      );
    await waitFor('the make-up run to finish', () => finished() !== undefined, 120_000);
    expect(finished()!.run.result).toBe('failed');
    const at = events.indexOf(finished()!);
    const chainsBefore = events.slice(0, at).filter((e) => e.type === 'chain-changed');
    for (const e of chainsBefore) if (e.type === 'chain-changed') expect(e.chain.verdict).not.toBe('at-risk');

    await waitFor(
      'the chain after the make-up run',
      () => events.slice(at).some((e) => e.type === 'chain-changed' && e.chain.verdict === 'at-risk'),
      60_000,
    );
    const chain = (await awake.getState()).repos[0]!.chain;
    expect(chain.verdict).toBe('at-risk');
    expect(chain.risk).toMatchObject({ plan: 'home', cause: 'failed', hop: 'workstation', failures: 1 });
  });
});
