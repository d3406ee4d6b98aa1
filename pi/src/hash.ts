import { createHash } from 'node:crypto';
import { constants, createReadStream } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import * as os from 'node:os';
import { Worker } from 'node:worker_threads';

/** Read size per chunk: large reads keep per-call overhead negligible next to SHA-256 itself. */
const CHUNK = 1 << 20;

/**
 * SHA-256 of a file as lower-case hex, streamed with 1 MiB reads through OpenSSL (node:crypto), which uses the
 * CPU's SHA extensions or NEON code where present: several times faster than coreutils' sha256sum on the same
 * machine (see bench/pi-sync.ts). Rejects with the fs error when the file cannot be read.
 */
export function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path, { highWaterMark: CHUNK })
      .on('data', (d) => h.update(d))
      .on('end', () => resolve(h.digest('hex')))
      .on('error', reject);
  });
}

/** Runs `fn` over `items` with at most `concurrency` in flight; results keep the input order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  return out;
}

/** What a hash worker read: the digest together with the identity of the exact inode it hashed. */
export interface HashedFile {
  hex: string;
  ino: number;
  size: number;
  mtimeMs: number;
}

export interface HashRequest {
  path: string;
  /**
   * Take the file over before hashing it (push mode): refuse anything but a regular file (O_NOFOLLOW, so a
   * symlink planted by the sender is never followed), then make it owned by us and read-only, so the account
   * that uploaded it can no longer change it after it has been verified.
   */
  seize?: boolean;
  /**
   * fdatasync the file after hashing: a generation must survive a power cut once promoted, and syncing each
   * file as soon as it is verified spreads the disk writes over the transfer instead of stalling promotion. The
   * sync runs off the hashing thread (see syncInode), so the answer comes once both are done.
   */
  sync?: boolean;
  /**
   * The file may not be in place yet (rsync reports a file just before it renames it there): wait up to this
   * many milliseconds for it to appear before answering ENOENT.
   */
  waitMs?: number;
}

// The worker is eval'd source (CommonJS) so the single-file bundle needs no second file next to it.
// Synchronous reads are fine there: the worker does nothing else, and they keep the main thread free.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const buf = Buffer.allocUnsafe(${CHUNK});
const nap = new Int32Array(new SharedArrayBuffer(4));
function open(path, waitMs) {
  const until = Date.now() + (waitMs || 0);
  for (;;) {
    try {
      return fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    } catch (e) {
      if (e.code !== 'ENOENT' || Date.now() >= until) throw e;
      Atomics.wait(nap, 0, 0, 2);
    }
  }
}
parentPort.on('message', ({ id, path, seize, waitMs }) => {
  let fd;
  try {
    fd = open(path, waitMs);
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'ENOTREG' });
    if (seize) {
      if (process.getuid && process.getuid() === 0) fs.fchownSync(fd, 0, 0);
      fs.fchmodSync(fd, 0o444);
    }
    const h = createHash('sha256');
    let n;
    while ((n = fs.readSync(fd, buf, 0, buf.length, null)) > 0) h.update(buf.subarray(0, n));
    parentPort.postMessage({ id, hex: h.digest('hex'), ino: st.ino, size: st.size, mtimeMs: st.mtimeMs });
  } catch (e) {
    parentPort.postMessage({ id, error: (e && e.code) || 'unreadable' });
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
});
`;

type Reply = { id: number; error?: string } & Partial<HashedFile>;
/** What a hashing thread is sent: the request without `sync` (done off the thread, see syncInode). */
type ThreadRequest = Omit<HashRequest, 'sync'>;

/**
 * A pool of hashing threads. SHA-256 in node:crypto runs on the calling thread, so hashing on the main thread
 * would compete with everything else the run does (reading rsync's output, in tests even the fault proxy);
 * worker threads put it on other cores, which is what lets verification overlap the transfer.
 */
export class HashPool {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly queue: { msg: ThreadRequest & { id: number }; resolve: (r: Reply) => void }[] = [];
  private readonly pending = new Map<number, (r: Reply) => void>();
  private nextId = 0;
  private readonly size: number;

  /**
   * Threads start on demand, up to `size`: a run with nothing new to hash starts none, files reported one after
   * another are hashed by one, and more start only while two or more requests wait.
   */
  constructor(size: number) {
    this.size = Math.max(1, size);
  }

  /** Threads started so far. */
  get threads(): number {
    return this.workers.length;
  }

  /** Starts one thread ahead of the first request (while the caller waits for something else anyway). */
  warm(): void {
    if (this.workers.length === 0) this.idle.push(this.grow());
  }

  private grow(): Worker {
    const w = new Worker(WORKER_SOURCE, { eval: true });
    // Never keep the process alive for an idle pool (a forgotten close() must not hang the CLI).
    w.unref();
    w.on('message', (r: Reply) => {
      const done = this.pending.get(r.id);
      this.pending.delete(r.id);
      this.release(w);
      done?.(r);
    });
    this.workers.push(w);
    return w;
  }

  /**
   * Hashes one file on a worker thread. Resolves with the digest and the inode it read, or with `error` set to
   * the fs error code (`ENOENT`, `ELOOP` for a symlink, `ENOTREG`…); never rejects.
   */
  async hash(req: HashRequest): Promise<HashedFile | { error: string }> {
    const { sync, ...onThread } = req;
    const r = await this.hashOnly(onThread);
    if (!sync || 'error' in r) return r;
    const error = await syncInode(req.path, r.ino);
    return error ? { error } : r;
  }

  private hashOnly(req: ThreadRequest): Promise<HashedFile | { error: string }> {
    return new Promise((resolve) => {
      const msg = { ...req, id: this.nextId++ };
      const finish = (r: Reply) =>
        resolve(
          r.error !== undefined
            ? { error: r.error }
            : { hex: r.hex!, ino: r.ino!, size: r.size!, mtimeMs: r.mtimeMs! },
        );
      const idle = this.idle.pop();
      if (idle) return this.dispatch(idle, msg, finish);
      this.queue.push({ msg, resolve: finish });
      // A thread costs ~40 ms of CPU to start, about what it takes to hash 50 MB: another one only when requests
      // back up (two waiting), not whenever the running ones are busy for a moment.
      if (this.workers.length === 0 || (this.queue.length >= 2 && this.workers.length < this.size))
        this.release(this.grow());
    });
  }

  private dispatch(w: Worker, msg: ThreadRequest & { id: number }, done: (r: Reply) => void): void {
    this.pending.set(msg.id, done);
    w.postMessage(msg);
  }

  private release(w: Worker): void {
    const next = this.queue.shift();
    if (next) this.dispatch(w, next.msg, next.resolve);
    else this.idle.push(w);
  }

  /** Stops the threads; pending requests are answered `cancelled`. */
  async close(): Promise<void> {
    for (const [, done] of this.pending) done({ id: -1, error: 'cancelled' });
    this.pending.clear();
    for (const q of this.queue.splice(0)) q.resolve({ id: -1, error: 'cancelled' });
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/**
 * fdatasync of `path` if it is still the inode `ino` (the one hashed), on libuv's threads rather than a hashing
 * thread: a slow disk (an SD card, a USB disk busy with writeback) then delays only this file's answer while
 * hashing goes on, and syncs that overlap share the filesystem's journal commits. Resolves with the error code
 * (`ECHANGED` when the path now names another file), or undefined once the data is on disk.
 */
export async function syncInode(path: string, ino: number): Promise<string | undefined> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
    if ((await fh.stat()).ino !== ino) return 'ECHANGED';
    await fh.datasync();
    return undefined;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code ?? 'EIO';
  } finally {
    await fh?.close();
  }
}

/** Hash threads worth starting for `concurrency` requests: more than the machine's cores only adds switching. */
export function poolSize(concurrency: number): number {
  // availableParallelism() is Node ≥ 18.14; the Pis may run an older 18.
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return Math.max(1, Math.min(concurrency, cores));
}

export interface HashMismatch {
  /** Path relative to the repository root, e.g. `data/ab/ab12…`. */
  file: string;
  actual: string;
}

/**
 * Checks that each content-addressed file's SHA-256 equals its own name (the last path component). Files that
 * cannot be read count as mismatches with `actual` set to the error code, so a vanished file is never "verified".
 * Hashing runs on `concurrency` worker threads (at most one per core), or on the given pool.
 *
 * @param root repository root the relative paths are resolved against
 * @returns the mismatches; empty when every file is intact
 */
export async function verifyNamedFiles(
  root: string,
  files: readonly string[],
  concurrency = 2,
  pool?: HashPool,
): Promise<HashMismatch[]> {
  const own = pool ? undefined : new HashPool(poolSize(Math.min(concurrency, files.length)));
  const use = pool ?? own!;
  try {
    const results = await Promise.all(
      files.map(async (file) => {
        const expected = file.slice(file.lastIndexOf('/') + 1);
        const r = await use.hash({ path: `${root}/${file}` });
        if ('error' in r) return { file, actual: r.error };
        return r.hex === expected ? undefined : { file, actual: r.hex };
      }),
    );
    return results.filter((r): r is HashMismatch => r !== undefined);
  } finally {
    await own?.close();
  }
}
