import { spawn } from 'node:child_process';
import {
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tiedToRun } from '../link/tied-child.js';
import { openStaging, recoverStore } from './commit.js';
import {
  acquireRunLock,
  ensureLayout,
  offsitePaths,
  processStartTime,
  readGenerationsMeta,
  writeGenerationsMeta,
} from './store.js';

const ID = (c: string) => c.repeat(64);

/** Waits until `pid` has ended (gone, or a zombie nobody reaped yet), or throws after `ms`. */
async function waitGone(pid: number, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    let state: string | undefined;
    try {
      state = /^\d+ \(.*\) (\S)/.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1];
    } catch {
      return;
    }
    if (state === 'Z') return;
    if (Date.now() > deadline) throw new Error(`process ${pid} still runs after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function store() {
  const p = offsitePaths(mkdtempSync(join(tmpdir(), 'restray-commit-')));
  ensureLayout(p);
  return p;
}

/** A minimal generation folder: config, one snapshot, one pack. */
function generation(dir: string, pack = ID('a')): void {
  mkdirSync(join(dir, 'snapshots'), { recursive: true });
  mkdirSync(join(dir, 'data', pack.slice(0, 2)), { recursive: true });
  writeFileSync(join(dir, 'config'), 'c');
  writeFileSync(join(dir, 'snapshots', ID('5')), 's');
  writeFileSync(join(dir, 'data', pack.slice(0, 2), pack), 'pack');
}

describe('offsite commit protocol: recovery', () => {
  it('empties trash/, drops metadata of generations not on disk and rebuilds missing metadata', () => {
    const p = store();
    // A retention cut after its rename: the generation is whole in trash/, its metadata still there.
    generation(join(p.trash, '20250101T000000Z'));
    // A promotion cut before its rename: metadata, no folder.
    // A generation whose metadata was lost.
    generation(join(p.generations, '20250102T000000Z'));
    writeGenerationsMeta(p, {
      '20250101T000000Z': {
        name: '20250101T000000Z',
        time: '2025-01-01T00:00:00.000Z',
        snapshotIds: [],
        sizeBytes: 0,
        newBytes: 0,
        fileCount: 0,
      },
      '20250103T000000Z': {
        name: '20250103T000000Z',
        time: '2025-01-03T00:00:00.000Z',
        snapshotIds: [],
        sizeBytes: 0,
        newBytes: 0,
        fileCount: 0,
      },
    });
    const log: string[] = [];
    recoverStore(p, (l) => void log.push(l));
    expect(readdirSync(p.trash)).toEqual([]);
    const meta = readGenerationsMeta(p);
    expect(Object.keys(meta)).toEqual(['20250102T000000Z']);
    expect(meta['20250102T000000Z']).toMatchObject({ fileCount: 3, snapshotIds: [ID('5')], sizeBytes: 6 });
    expect(log.join('\n')).toMatch(/20250102T000000Z had no metadata/);
    // Idempotent.
    recoverStore(p, () => undefined);
    expect(Object.keys(readGenerationsMeta(p))).toEqual(['20250102T000000Z']);
  });
});

describe('offsite commit protocol: a staging folder per run', () => {
  it('links what a cut run fetched into the new folder, never its temp files, and deletes the old folder', () => {
    const p = store();
    const gen = join(p.generations, '20250102T000000Z');
    generation(gen);
    const old = join(p.staging, 'run-20250103T000000Z-1');
    mkdirSync(join(old, 'data', 'aa'), { recursive: true });
    mkdirSync(join(old, 'data', 'bb', '.rsync-partial'), { recursive: true });
    // Linked from the generation (nothing new), fetched by the cut run, resumable, half-written by rsync.
    linkSync(join(gen, 'data', 'aa', ID('a')), join(old, 'data', 'aa', ID('a')));
    writeFileSync(join(old, 'data', 'bb', ID('b')), 'fetched');
    writeFileSync(join(old, 'data', 'bb', '.rsync-partial', ID('c')), 'part');
    writeFileSync(join(old, 'data', 'bb', `.${ID('d')}.Xy12Ab`), 'half');
    // An older version's single staging folder.
    mkdirSync(join(p.staging, 'index'), { recursive: true });
    writeFileSync(join(p.staging, 'index', ID('e')), 'index');

    const dir = openStaging(p, '20250104T000000Z-2', true);
    expect(dir).toBe(join(p.staging, 'run-20250104T000000Z-2'));
    expect(readdirSync(p.staging)).toEqual(['run-20250104T000000Z-2']);
    expect(readFileSync(join(dir, 'data', 'bb', ID('b')), 'utf8')).toBe('fetched');
    expect(readFileSync(join(dir, 'data', 'bb', '.rsync-partial', ID('c')), 'utf8')).toBe('part');
    expect(readFileSync(join(dir, 'index', ID('e')), 'utf8')).toBe('index');
    expect(existsSync(join(dir, 'data', 'bb', `.${ID('d')}.Xy12Ab`))).toBe(false);
    // The generation's files come from the generation itself (linkPrevious, --link-dest), not from the cut run.
    expect(existsSync(join(dir, 'data', 'aa', ID('a')))).toBe(false);
    expect(statSync(join(gen, 'data', 'aa', ID('a'))).nlink).toBe(1);
  });

  it('a leftover writer of a cut run cannot reach the new run folder', () => {
    const p = store();
    const old = join(p.staging, 'run-20250103T000000Z-1');
    mkdirSync(join(old, 'data'), { recursive: true });
    const dir = openStaging(p, '20250104T000000Z-2', true);
    // What a leftover rsync of the old run would do next: write below its own (now deleted) folder.
    expect(() => writeFileSync(join(old, 'data', ID('f')), 'late')).toThrow(/ENOENT/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('push mode removes what earlier runs left instead of reusing it', () => {
    const p = store();
    mkdirSync(join(p.staging, 'run-20250103T000000Z-1', 'data'), { recursive: true });
    writeFileSync(join(p.staging, 'run-20250103T000000Z-1', 'data', ID('b')), 'x');
    const dir = openStaging(p, '20250104T000000Z-2', false);
    expect(readdirSync(p.staging)).toEqual(['run-20250104T000000Z-2']);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('the run lock after a crash', () => {
  it('is taken over when its process is gone or its PID now belongs to another process', () => {
    const p = store();
    const other = process.ppid;
    writeFileSync(p.lock, `${other} 1`); // the PID lives, but it is not the process that took the lock
    acquireRunLock(p)();
    writeFileSync(p.lock, ''); // a crash between creating and writing the lock
    acquireRunLock(p)();
    writeFileSync(p.lock, `${other} ${processStartTime(other)}`);
    expect(() => acquireRunLock(p)).toThrow(/Another restray-pi run/);
  });
});

describe('children tied to the run', () => {
  it('a child started through tiedToRun dies with its parent, even by SIGKILL', async () => {
    // A parent (sh) that starts a long sleep tied to itself, prints its PID, and is then killed with SIGKILL.
    const [file, args] = tiedToRun('sleep', ['300']);
    const parent = spawn('sh', ['-c', `"$0" "$@" & echo $!; wait`, file, ...args], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const pid = await new Promise<number>((resolve) =>
      parent.stdout.once('data', (d: Buffer) => resolve(Number(String(d).trim()))),
    );
    expect(pid).toBeGreaterThan(0);
    // The signal is set between fork and exec (setpriv's prctl): kill the parent once sleep runs.
    const deadline = Date.now() + 10_000;
    while (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('sleep\0')) {
      if (Date.now() > deadline) throw new Error('sleep did not start');
      await new Promise((r) => setTimeout(r, 10));
    }
    parent.kill('SIGKILL');
    await waitGone(pid, 10_000);
  }, 30_000);
});
