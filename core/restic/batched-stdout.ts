import { execFile } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, read, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Read size; a pipe holds far less (64 KiB on Linux), so one read takes whatever is waiting. */
const READ_BYTES = 1 << 20;
/** Pause after a read that did not nearly empty a full pipe: lets restic's lines pile up into one read. */
const PAUSE_MS = 2;
/** Longest pause while the pipe stays empty (restic still loading its index, or a slow remote). */
const MAX_IDLE_MS = 8;

/**
 * A child's stdout read in batches: a named pipe whose write end goes to the child as stdout, and whose read end
 * Restray reads with short pauses instead of on every write.
 *
 * Why: `restic ls --json` writes one line per call (a million calls for a million files). An ordinary pipe wakes
 * the reader for nearly every line (~400,000 reads), which costs Restray's process as much CPU as parsing the
 * lines and restic itself 1.5 s of system time (waking a reader on each write). Read after a short pause, the same
 * listing arrives in ~10,000 reads; nobody waits on the pipe, so restic's writes stay cheap. A read that took a
 * (nearly) full pipe is followed at once, so a fast writer is not held back by the pauses.
 */
export interface BatchedStdout {
  /** The write end, for the child's stdio. Close it with {@link closeWriteEnd} once the child has it. */
  readonly fd: number;
  /** Closes our copy of the write end (the child keeps its own): the read sees EOF when the child's is gone. */
  closeWriteEnd(): void;
  /**
   * Reads until every writer has closed the pipe (the child exited), handing decoded UTF-8 text to `onText`
   * (a character split across reads stays whole). Closes the read end at the end; rejects on a read error.
   */
  readAll(onText: (text: string) => void): Promise<void>;
  /** Closes both ends if still open (for a child that could not be started). Idempotent. */
  close(): void;
}

/**
 * Creates the named pipe in a private temp directory (mode 0700, removed at once: the open ends stay valid), so
 * no other process can open it. Returns undefined where named pipes are not available (Windows) or `mkfifo`
 * fails; the caller then uses an ordinary pipe.
 *
 * Side effects: runs `mkfifo` once; two file descriptors until `readAll` ends or `close`.
 */
export async function openBatchedStdout(): Promise<BatchedStdout | undefined> {
  if (process.platform === 'win32') return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'restray-out-'));
  const path = join(dir, 'stdout');
  let readFd: number | undefined;
  let writeFd: number | undefined;
  try {
    await run('mkfifo', ['-m', '600', path]);
    // Non-blocking read end first: opening a FIFO's write end needs a reader.
    readFd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    writeFd = openSync(path, constants.O_WRONLY);
  } catch {
    if (readFd !== undefined) closeSync(readFd);
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const closeWriteEnd = () => {
    if (writeFd !== undefined) closeSync(writeFd);
    writeFd = undefined;
  };
  const closeReadEnd = () => {
    if (readFd !== undefined) closeSync(readFd);
    readFd = undefined;
  };
  const fd = writeFd;
  return {
    fd,
    closeWriteEnd,
    close() {
      closeWriteEnd();
      closeReadEnd();
    },
    readAll(onText) {
      const rfd = readFd!;
      const decoder = new StringDecoder('utf8');
      const buf = Buffer.allocUnsafe(READ_BYTES);
      let fullest = 0;
      let idle = 1;
      return new Promise<void>((resolve, reject) => {
        const next = (ms: number) => (ms === 0 ? setImmediate(step) : setTimeout(step, ms));
        const finish = (e?: unknown) => {
          closeReadEnd();
          if (e === undefined) resolve();
          else reject(e instanceof Error ? e : new Error(String(e)));
        };
        function step() {
          read(rfd, buf, 0, buf.length, null, (err, n) => {
            if (err) {
              if (err.code !== 'EAGAIN') return finish(err);
              next(idle);
              idle = Math.min(idle * 2, MAX_IDLE_MS);
              return;
            }
            if (n === 0) {
              const rest = decoder.end();
              try {
                if (rest.length > 0) onText(rest);
              } catch (e) {
                return finish(e);
              }
              return finish();
            }
            idle = 1;
            fullest = Math.max(fullest, n);
            try {
              onText(decoder.write(buf.subarray(0, n)));
            } catch (e) {
              return finish(e);
            }
            next(n >= fullest * 0.75 ? 0 : PAUSE_MS);
          });
        }
        step();
      });
    },
  };
}
