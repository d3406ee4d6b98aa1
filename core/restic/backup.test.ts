import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { backup, backupArgs, BACKUP_RETRY_LOCK, summaryOutcome } from './backup.js';
import { decodeMessage, parseJsonLine } from './json-lines.js';
import { BackupSummaryMsg } from './messages.js';
import { runRestic, type ResticContext } from './runner.js';
import { resticFeatures } from './version.js';

// restic ≥ 0.16 cannot be installed here (Debian ships 0.14, no registry package carries a newer binary): the
// version-dependent arguments and answers are tested as logic, and against a stand-in that prints what
// restic 0.18 prints (shapes from restic's source). test/restic covers 0.14 for real.
const v = (minor: number) => ({ version: `0.${minor}.0`, major: 0, minor, patch: 0 });
const fake = fileURLToPath(new URL('./fixtures/fake-restic.mjs', import.meta.url));
const ctx18: ResticContext = {
  binary: process.execPath,
  repoArgs: [fake, 'restic-0.18'],
  password: 'pw of the fake',
  version: v(18),
};

describe('backup arguments by restic version', () => {
  const opts = { paths: ['/home/u'], host: 'ws' };

  it('0.14 and 0.15 get neither --retry-lock nor --skip-if-unchanged (0.14 refuses unknown flags)', () => {
    for (const minor of [14, 15]) {
      const args = backupArgs(opts, resticFeatures(v(minor)));
      expect(args).not.toContain('--retry-lock');
      expect(args).not.toContain('--skip-if-unchanged');
    }
    expect(backupArgs(opts, resticFeatures(undefined))).toEqual([
      'backup',
      '--json',
      '--host',
      'ws',
      '--',
      '/home/u',
    ]);
  });

  it('0.16 waits for a lock (the onsite Pi prune), 0.17+ also skips an unchanged snapshot; flags before --', () => {
    expect(backupArgs(opts, resticFeatures(v(16)))).toEqual([
      'backup',
      '--json',
      '--host',
      'ws',
      '--retry-lock',
      BACKUP_RETRY_LOCK,
      '--',
      '/home/u',
    ]);
    const a17 = backupArgs(opts, resticFeatures(v(17)));
    expect(a17).toContain('--skip-if-unchanged');
    expect(a17.indexOf('--skip-if-unchanged')).toBeLessThan(a17.indexOf('--'));
    expect(backupArgs({ ...opts, skipIfUnchanged: false }, resticFeatures(v(19)))).not.toContain(
      '--skip-if-unchanged',
    );
  });
});

describe('a summary without a snapshot', () => {
  // restic 0.17+ `backup --json --skip-if-unchanged` of an unchanged tree: snapshot_id is left out (omitempty).
  const skipped = decodeMessage(
    BackupSummaryMsg,
    parseJsonLine(
      '{"message_type":"summary","files_new":0,"files_changed":0,"files_unmodified":2,"dirs_new":0,"dirs_changed":0,' +
        '"dirs_unmodified":3,"data_blobs":0,"tree_blobs":0,"data_added":0,"data_added_packed":0,' +
        '"total_files_processed":2,"total_bytes_processed":10,"total_duration":0.25,' +
        '"backup_start":"2026-12-03T10:00:00.1+01:00","backup_end":"2026-12-03T10:00:00.35+01:00"}',
    ),
  );

  it('is "unchanged" only when the skip was asked for, and never for a dry run', () => {
    expect(skipped).toBeDefined();
    expect(summaryOutcome(skipped, true).kind).toBe('unchanged');
    expect(summaryOutcome(skipped, false).kind).toBe('missing');
    expect(summaryOutcome({ ...skipped!, dry_run: true }, true).kind).toBe('missing');
    expect(summaryOutcome(undefined, true).kind).toBe('missing');
    expect(summaryOutcome({ ...skipped!, snapshot_id: 'f'.repeat(64) }, true)).toMatchObject({
      kind: 'snapshot',
      id: 'f'.repeat(64),
    });
  });

  it('a skipped backup names its parent (same host, exactly these paths) as the newest snapshot', async () => {
    const r = await backup(ctx18, { paths: ['/home/u', '/etc'], host: 'ws' });
    expect(r.unchanged).toBe(true);
    // Not the newer snapshot with an extra path: restic's parent has exactly the backup's paths.
    expect(r.snapshotId).toBe('a'.repeat(64));
    expect(r.fullId).toBe('a'.repeat(64));
    expect(r.partial).toBe(false);
    expect(r.summary.filesUnmodified).toBe(2);
  });
});

describe('restic 0.18 JSON exit errors', () => {
  it('map to our kind and one line: a lock held by the Pi is `locked`, without the lock details', async () => {
    const e = await runRestic(ctx18, { args: ['locked'] }).catch((x: unknown) => x);
    expect(e).toMatchObject({ kind: 'locked', exitCode: 11 });
    expect((e as Error).message).not.toContain('\n');
  });

  it('an unknown failure keeps restic\'s first line, without "Fatal:"', async () => {
    const e = await runRestic(ctx18, { args: ['frobnicate'] }).catch((x: unknown) => x);
    expect(e).toMatchObject({ kind: 'failed', exitCode: 1 });
    expect((e as Error).message).toBe('restic failed (exit status 1): unexpected call frobnicate');
  });
});
