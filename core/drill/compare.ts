import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import type { DrillSummary } from '../../contract/app-state.js';
import type { SampledFile } from './sample.js';

export type DrillFailure = DrillSummary['failures'][number];

/** What one restore of the sample produced: the folder restic wrote into and the files it could not restore. */
export interface RestoredSample {
  root: string;
  unreadable: ReadonlySet<string>;
}

/** Where a sampled file lands below a restore target (snapshot paths are absolute, `/`-separated). */
export function restoredPath(root: string, snapshotPath: string): string {
  return join(root, ...snapshotPath.split('/').filter(Boolean));
}

async function sizeOf(path: string): Promise<number | undefined> {
  const s = await lstat(path).catch(() => undefined);
  return s?.isFile() ? s.size : undefined;
}

async function sha256(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/**
 * Judges each sampled file of a drill: `unreadable` when restic could not restore it from the drilled copy
 * (a damaged pack, a chunk whose content ID did not match under `--verify`), `missing` when it is not there
 * afterwards, `size` when its size differs from the one restic recorded, `content` when its bytes differ from
 * the same file restored from the reference copy. Files the reference could not give are judged by the recorded
 * size and restic's content-ID check alone and listed in `unjudged`. Returns the failures in sample order and
 * the bytes read. Side effects: reads the restored files.
 */
export async function judgeSample(
  sample: readonly SampledFile[],
  drilled: RestoredSample,
  reference?: RestoredSample,
): Promise<{ failures: DrillFailure[]; bytes: number; unjudged: string[] }> {
  const failures: DrillFailure[] = [];
  const unjudged: string[] = [];
  let bytes = 0;
  for (const f of sample) {
    if (drilled.unreadable.has(f.path)) {
      failures.push({ path: f.path, problem: 'unreadable' });
      continue;
    }
    const path = restoredPath(drilled.root, f.path);
    const size = await sizeOf(path);
    if (size === undefined) {
      failures.push({ path: f.path, problem: 'missing' });
      continue;
    }
    bytes += size;
    if (size !== f.size) {
      failures.push({ path: f.path, problem: 'size' });
      continue;
    }
    const other = reference ? restoredPath(reference.root, f.path) : undefined;
    if (!other || reference!.unreadable.has(f.path) || (await sizeOf(other)) === undefined) {
      if (reference) unjudged.push(f.path);
      continue;
    }
    const [a, b] = await Promise.all([sha256(path), sha256(other)]);
    if (a !== b) failures.push({ path: f.path, problem: 'content' });
  }
  return { failures, bytes, unjudged };
}

/**
 * The sampled files restic named in `ignoring error for PATH: …` lines on stderr (restic 0.14's per-file
 * errors of restore and restore --verify). Other paths (a parent folder whose times could not be set) are left
 * out; a path is matched whole, so one holding `: ` is still recognised.
 */
export function unreadableFiles(stderr: string, sample: readonly SampledFile[]): Set<string> {
  const out = new Set<string>();
  const lines = stderr.split('\n').map((l) => l.trim());
  for (const f of sample) {
    const prefix = `ignoring error for ${f.path}: `;
    if (lines.some((l) => l.startsWith(prefix))) out.add(f.path);
  }
  return out;
}
