import { chmodSync, chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as restic from '../../core/restic/index.js';
import {
  localContext,
  lockFiles,
  resticBinary,
  scratch,
  waitFor,
  writeRandomFile,
  writeTree,
} from './restic-lab.js';

const NOBODY = 65534;

describe('restic failures map to typed errors', () => {
  const { dir, cleanup } = scratch('faults');
  const repo = join(dir, 'repo');
  const src = join(dir, 'src');
  const ctx = localContext(repo, 'right password');

  beforeAll(async () => {
    writeTree(src, { 'a.txt': 'a\n' });
    await restic.init(ctx);
  });
  afterAll(cleanup);

  it('wrong password → wrong-password', async () => {
    await expect(restic.snapshots({ ...ctx, password: 'wrong password' })).rejects.toMatchObject({
      kind: 'wrong-password',
      hint: expect.any(String),
    });
  });

  it('no repository at the location → repo-not-found', async () => {
    await expect(restic.snapshots(localContext(join(dir, 'nothing-here'), 'x'))).rejects.toMatchObject({
      kind: 'repo-not-found',
    });
  });

  it('restic binary missing → restic-missing', async () => {
    const missing = { ...ctx, binary: join(dir, 'no-such-restic') };
    await expect(restic.snapshots(missing)).rejects.toMatchObject({ kind: 'restic-missing' });
    await expect(restic.version(missing.binary)).rejects.toMatchObject({ kind: 'restic-missing' });
  });

  it('restic older than 0.14 → restic-missing with a request to install ≥ 0.14', async () => {
    const old = join(dir, 'old-restic');
    writeFileSync(old, '#!/bin/sh\necho "restic 0.12.1 compiled with go1.16.5 on linux/amd64"\n', {
      mode: 0o755,
    });
    await expect(restic.version(old)).rejects.toMatchObject({
      kind: 'restic-missing',
      message: expect.stringContaining('0.14 or newer'),
    });
  });

  it('a lock left by a SIGKILLed backup → locked; unlock removes it as stale', async () => {
    writeRandomFile(join(src, 'big.bin'), 32 << 20);
    let pid: number | undefined;
    let uploading = false;
    const run = restic
      .backup(ctx, {
        paths: [src],
        limitUploadKiB: 2048,
        onSpawn: (p) => (pid = p),
        onProgress: (p) => (uploading ||= p.bytesDone > 0),
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    // Kill only once restic is well into the backup, with its lock file in place (not a temp file).
    await waitFor(
      'the backup to lock the repository and read data',
      () => uploading && lockFiles(repo).length > 0,
    );
    process.kill(pid!, 'SIGKILL');
    expect(await run).toMatchObject({ kind: 'failed', message: expect.stringContaining('SIGKILL') });
    expect(lockFiles(repo)).toHaveLength(1);

    await expect(restic.check(ctx)).rejects.toMatchObject({ kind: 'locked' });
    // The lock's PID is gone on this host, so restic considers it stale.
    await restic.unlock(ctx);
    expect(lockFiles(repo)).toEqual([]);
    await restic.check(ctx);
  });

  describe('an unreadable source file', () => {
    // Tests run as root, whom file modes do not stop: restic runs as nobody through a wrapper instead, with
    // the repository owned by nobody and one source file readable by root only.
    const wrapper = join(dir, 'restic-as-nobody');
    const home = join(dir, 'nobody');
    const nobodyRepo = join(home, 'repo');
    const nobodySrc = join(dir, 'src-partial');
    const asNobody = { ...localContext(nobodyRepo, 'nobody password', wrapper) };

    beforeAll(async () => {
      writeFileSync(
        wrapper,
        `#!/bin/sh\nexec setpriv --reuid=${NOBODY} --regid=${NOBODY} --clear-groups ${resticBinary} "$@"\n`,
        { mode: 0o755 },
      );
      mkdirSync(home);
      chownSync(home, NOBODY, NOBODY);
      writeTree(nobodySrc, { 'ok.txt': 'readable\n', 'secret.txt': 'root only\n', 'sub/fine.txt': 'x\n' });
      chmodSync(join(nobodySrc, 'secret.txt'), 0o000);
      await restic.init(asNobody);
    });

    it('→ partial backup (exit 3) that lists the file; the snapshot exists', async () => {
      const r = await restic.backup(asNobody, { paths: [nobodySrc] });
      expect(r.partial).toBe(true);
      expect(r.problemCount).toBe(1);
      expect(r.problems).toEqual([
        {
          path: join(nobodySrc, 'secret.txt'),
          during: 'archival',
          message: expect.stringMatching(/permission denied|EACCES/i),
        },
      ]);
      expect(r.summary.filesNew).toBe(2);
      const snaps = await restic.snapshots(asNobody);
      expect(snaps.map((s) => s.shortId)).toEqual([r.shortId]);
    });
  });
});
