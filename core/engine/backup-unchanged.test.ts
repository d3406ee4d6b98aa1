import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { memorySecrets } from '../../test/chain/chain-lab.js';
import { resolvePaths } from '../config/paths.js';
import { toUiSnapshot } from './browse-service.js';
import { Engine } from './engine.js';

// The engine with a restic that reports 0.18 (the stand-in in core/restic/fixtures: restic ≥ 0.16 cannot be
// installed here). Its backup is "unchanged, skipped": no snapshot_id in the summary. Its snapshots are dated
// 2026-12-03 09:00–09:30 UTC; the engine's clock stands at 12:00.
const fake = fileURLToPath(new URL('../restic/fixtures/fake-restic.mjs', import.meta.url));
const NOW = new Date('2026-12-03T12:00:00Z');
let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('a backup restic skipped because nothing changed (restic ≥ 0.17)', () => {
  it('is a successful, current backup whose snapshot is the parent; the plan is not at risk', async () => {
    dir = mkdtempSync(join(tmpdir(), 'restray-unchanged-'));
    const binary = join(dir, 'restic');
    // Only the stand-in's backup with both --retry-lock and --skip-if-unchanged answers: the engine must have
    // asked the version and passed them.
    writeFileSync(binary, `#!/bin/sh\nexec '${process.execPath}' '${fake}' restic-0.18 "$@"\n`);
    chmodSync(binary, 0o755);
    const engine = await Engine.open({
      paths: resolvePaths('linux', { RESTRAY_HOME: dir }, dir),
      secrets: memorySecrets(),
      clock: { now: () => NOW },
    });
    try {
      const config = engine.getConfig();
      await engine.replaceConfig({
        ...config,
        settings: { ...config.settings, resticPath: binary, hostname: 'ws' },
      });
      await engine.addRepository({ name: 'pi', target: { kind: 'local', path: join(dir, 'repo') } }, 'pw');
      // Unscheduled, one hour at most: the newest snapshot (09:30) alone would be at risk at 12:00.
      await engine.savePlan({ name: 'home', repo: 'pi', paths: ['/home/u'], prune: false, maxAgeHours: 1 });

      const run = await engine.startBackup('home', 'manual').done;
      expect(run.result, JSON.stringify(run.error)).toBe('success');
      expect(run.backup).toMatchObject({ snapshotId: 'a'.repeat(64), unchanged: true, filesUnmodified: 2 });

      const state = await engine.getState({ keychain: false });
      expect(state.plans.find((p) => p.name === 'home')?.lastRun?.result).toBe('success');
      const [chain] = await engine.refreshChains(['pi']);
      expect(chain!.risk).toBeUndefined();
      expect(chain!.verdict).toBe('no-offsite');
      expect((await engine.jobs.runLog(run.id)).log).toContain(
        `nothing changed since snapshot ${'a'.repeat(64)}`,
      );
    } finally {
      await engine.close();
    }
    // The rule is live: two hours later, with no backup since, the same plan is too old.
    const later = await Engine.open({
      paths: resolvePaths('linux', { RESTRAY_HOME: dir }, dir),
      secrets: memorySecrets(),
      clock: { now: () => new Date(NOW.getTime() + 2 * 3600_000) },
    });
    try {
      const [chain] = await later.refreshChains(['pi']);
      expect(chain!.risk).toMatchObject({ cause: 'too-old', ageSeconds: 2 * 3600 });
    } finally {
      await later.close();
    }
  });
});

describe('the data a snapshot added (snapshot list)', () => {
  it('comes from the backup that made the snapshot, not from a later unchanged one naming it', () => {
    const id = 'a'.repeat(64);
    const run = (runId: string, dataAdded: number, unchanged: boolean) => ({
      id: runId,
      kind: 'backup' as const,
      repo: 'pi',
      plan: 'home',
      trigger: 'schedule' as const,
      startedAt: NOW.toISOString(),
      endedAt: NOW.toISOString(),
      result: 'success' as const,
      backup: {
        snapshotId: id,
        filesNew: 0,
        filesChanged: 0,
        filesUnmodified: 2,
        dataAdded,
        totalFilesProcessed: 2,
        totalBytesProcessed: 10,
        ...(unchanged ? { unchanged: true as const } : {}),
      },
    });
    const snapshot = {
      id,
      shortId: 'aaaaaaaa',
      time: NOW.toISOString(),
      paths: ['/home/u'],
      hostname: 'ws',
      username: 'u',
      tags: [],
      tree: 'b'.repeat(64),
    };
    // Newest first, as the history lists them.
    const ui = toUiSnapshot(snapshot, [run('r2', 0, true), run('r1', 4096, false)]);
    expect(ui.dataAdded).toBe(4096);
  });
});
