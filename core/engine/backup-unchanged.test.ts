import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { memorySecrets } from '../../test/chain/chain-lab.js';
import { resolvePaths } from '../config/paths.js';
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
      expect((await engine.runLog(run.id)).log).toContain(`nothing changed since snapshot ${'a'.repeat(64)}`);
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
