import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Destination } from '../../contract/browse.js';
import * as restic from '../restic/index.js';
import type { JobControl, JobOutcome } from '../engine/job-runner.js';
import { countFiles, defaultRestoreFolder, placeRestored } from '../engine/restore-placement.js';
import type { GenerationChoice, OffsiteContext } from './offsite-access.js';

/** A restore from the offsite Pi, as the restore wizard and `restray restore --from offsite` ask for it. */
export interface OffsiteRestoreInput {
  repo: string;
  snapshot: string;
  includes?: string[] | undefined;
  destination: Destination;
  /** A generation name (`20250301T031500Z`); default: the newest verified one (holding `snapshot`). */
  generation?: string | undefined;
  home?: string | undefined;
}

/** Where restic writes: the chosen folder, the default ~/Restored/<date time>, or a staging folder. */
export function restoreTarget(d: Destination, stateDir: string, home: string, now: Date): string {
  return d.kind === 'folder'
    ? (d.path ?? defaultRestoreFolder(home, now))
    : join(stateDir, 'restore-staging', randomUUID());
}

/**
 * The work of an offsite restore job: resolves the generation's restic context (through the read-only
 * account), runs `restic --no-lock restore` into `target`, and for the `original` destination moves the files
 * into place with the conflict choice (placeRestored), as the onsite restore does. The log names the
 * generation. Throws the typed errors of resolveOffsiteContext and restic.restore; `cancelled` on abort.
 * Side effects: files under `target` (and their final places for `original`).
 */
export async function runOffsiteRestore(
  resolve: (choice: GenerationChoice, signal: AbortSignal) => Promise<OffsiteContext>,
  input: OffsiteRestoreInput,
  target: string,
  now: Date,
  control: JobControl,
): Promise<JobOutcome> {
  const { ctx, generation } = await resolve(
    { generation: input.generation, snapshot: input.snapshot },
    control.signal,
  );
  const log = [
    `restoring snapshot ${input.snapshot} from offsite generation ${generation} (read-only, no lock)`,
  ];
  const r = await restic.restore(ctx, {
    snapshot: input.snapshot,
    target,
    ...(input.includes?.length ? { includes: input.includes } : {}),
    signal: control.signal,
    onProgress: (p) => {
      if (p.kind === 'determinate')
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
