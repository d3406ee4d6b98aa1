import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackupProgress } from '../../contract/restic.js';
import * as restic from '../../core/restic/index.js';
import {
  localContext,
  lockDirEntries,
  lockFiles,
  scratch,
  waitFor,
  writeRandomFile,
  writeTree,
} from './restic-lab.js';

// restic's upload limit throttles even a local repository, which makes a 48 MiB backup last ~12 s on any
// machine: long enough to cancel it mid-way without depending on disk or CPU speed.
const BIG = 48 << 20;
const LIMIT_KIB = 4096;

describe('cancelling a backup', () => {
  const { dir, cleanup } = scratch('cancel');
  const repo = join(dir, 'repo');
  const src = join(dir, 'src');
  const password = 'cancel-test password 7f3a';
  const ctx = localContext(repo, password);

  beforeAll(async () => {
    writeTree(src, { 'small.txt': 'small\n' });
    await restic.init(ctx);
    await restic.backup(ctx, { paths: [src] });
    writeRandomFile(join(src, 'big.bin'), BIG);
  });
  afterAll(cleanup);

  it('stops restic with SIGINT: cancelled, no lock left, repository intact, next backup works', async () => {
    const ac = new AbortController();
    const progress: BackupProgress[] = [];
    let pid: number | undefined;
    const run = restic.backup(ctx, {
      paths: [src],
      limitUploadKiB: LIMIT_KIB,
      signal: ac.signal,
      onSpawn: (p) => (pid = p),
      onProgress: (p) => progress.push(p),
    });
    const outcome = run.then(
      () => undefined,
      (e: unknown) => e,
    );

    await waitFor(
      'restic to lock the repository and upload',
      () => lockFiles(repo).length > 0 && progress.some((p) => p.bytesDone > 0),
    );
    // The password travels in the environment only: never visible in the process list.
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    expect(cmdline).toContain('backup');
    expect(cmdline.join(' ')).not.toContain(password);
    expect(readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')).toContain(`RESTIC_PASSWORD=${password}`);

    // restic counts bytes as read, ahead of the throttled upload: percent may already show 100.
    const mid = progress.at(-1)!;
    expect(mid.bytesTotal).toBe(BIG + 6);
    expect(mid.bytesDone).toBeGreaterThan(0);

    ac.abort();
    const e = await outcome;
    expect(e).toBeInstanceOf(restic.ResticError);
    expect(e).toMatchObject({ kind: 'cancelled', exitCode: 130 });
    expect(JSON.stringify(e)).not.toContain(password);

    expect(lockDirEntries(repo)).toEqual([]);
    await restic.check(ctx);
    expect(await restic.snapshots(ctx)).toHaveLength(1);
    const next = await restic.backup(ctx, { paths: [src] });
    expect(next.summary.totalBytesProcessed).toBe(BIG + 6);
    expect(await restic.snapshots(ctx)).toHaveLength(2);
  });
});
