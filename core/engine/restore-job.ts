import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { RestrayError } from '../errors.js';
import type { Destination } from '../../contract/browse.js';
import * as restic from '../restic/index.js';
import type { JobControl, JobOutcome } from './job-runner.js';
import { countFiles, defaultRestoreFolder, placeRestored, unmatchedIncludes } from './restore-placement.js';

/** Where restic writes: the chosen folder, the default ~/Restored/<date time>, or a staging folder. */
export function restoreTarget(d: Destination, stateDir: string, home: string, now: Date): string {
  return d.kind === 'folder'
    ? (d.path ?? defaultRestoreFolder(home, now))
    : join(stateDir, 'restore-staging', randomUUID());
}

/**
 * The work of a restore job, onsite or offsite: `restic restore` of `includes` (everything when empty) into
 * `target` with progress, then for the `original` destination moves the files to their own places with the
 * conflict choice (placeRestored). restic 0.14 prints no restore summary, so files are counted afterwards.
 * A plain include path that restored nothing fails the job (`not-found`; restic itself exits 0 then).
 * Throws restic's typed errors; `cancelled` on abort. Side effects: files under `target` (and their final
 * places for `original`).
 */
export async function runRestoreJob(
  ctx: restic.ResticContext,
  input: {
    snapshot: string;
    includes?: string[] | undefined;
    destination: Destination;
    host?: string | undefined;
  },
  target: string,
  now: Date,
  control: JobControl,
  log: string[] = [],
): Promise<JobOutcome> {
  const r = await restic.restore(ctx, {
    snapshot: input.snapshot,
    target,
    ...(input.includes?.length ? { includes: input.includes } : {}),
    // `latest` means this workstation's newest snapshot, also in a repository several machines share.
    ...(input.snapshot === 'latest' && input.host !== undefined ? { host: input.host } : {}),
    signal: control.signal,
    onProgress: (p) => {
      if (p.kind !== 'determinate') return;
      control.progress({
        fraction: p.percent / 100,
        bytesDone: p.bytesDone,
        bytesTotal: p.bytesTotal,
        filesDone: p.filesDone,
        filesTotal: p.filesTotal,
        currentFiles: [],
      });
    },
  });
  const unmatched = await unmatchedIncludes(target, input.includes ?? []);
  if (unmatched.length) {
    // restic 0.14 exits 0 when an include matches nothing; a restore that restores nothing is not a success.
    if (input.destination.kind === 'original') await rm(target, { recursive: true, force: true });
    const shown = unmatched
      .slice(0, 5)
      .map((p) => `"${p}"`)
      .join(', ');
    throw new RestrayError(
      'not-found',
      `Nothing in snapshot ${input.snapshot} matched ${shown}${unmatched.length > 5 ? ` and ${unmatched.length - 5} more` : ''}; ${unmatched.length === 1 ? 'it was' : 'they were'} not restored.`,
      { hint: 'Check the path with `restray ls` (paths are as they were on the backed-up machine).' },
    );
  }
  const paths = (input.includes ?? []).slice(0, 100);
  if (input.destination.kind === 'original') {
    const placed = await placeRestored(target, input.destination.conflict, now);
    return {
      result: 'success',
      log,
      restore: {
        target: '/',
        paths,
        filesRestored: placed.filesRestored,
        bytesRestored: r.bytesRestored ?? 0,
        filesSkipped: placed.filesSkipped,
        ...(placed.renamed.length ? { renamed: placed.renamed } : {}),
      },
    };
  }
  const counted = r.filesRestored === undefined ? await countFiles(target) : undefined;
  return {
    result: 'success',
    log,
    restore: {
      target,
      paths,
      filesRestored: r.filesRestored ?? counted!.files,
      bytesRestored: r.bytesRestored ?? counted!.bytes,
    },
  };
}
