import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

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

export interface HashMismatch {
  /** Path relative to the repository root, e.g. `data/ab/ab12…`. */
  file: string;
  actual: string;
}

/**
 * Checks that each content-addressed file's SHA-256 equals its own name (the last path component). Files that
 * cannot be read count as mismatches with `actual` set to the error code, so a vanished file is never "verified".
 *
 * @param root repository root the relative paths are resolved against
 * @returns the mismatches; empty when every file is intact
 */
export async function verifyNamedFiles(
  root: string,
  files: readonly string[],
  concurrency = 2,
): Promise<HashMismatch[]> {
  const results = await mapLimit(files, concurrency, async (file) => {
    const expected = file.slice(file.lastIndexOf('/') + 1);
    try {
      const actual = await sha256File(`${root}/${file}`);
      return actual === expected ? undefined : { file, actual };
    } catch (e) {
      return { file, actual: (e as NodeJS.ErrnoException).code ?? 'unreadable' };
    }
  });
  return results.filter((r): r is HashMismatch => r !== undefined);
}
