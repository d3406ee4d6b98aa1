import type { Destination } from '../../contract/browse.js';
import type { GenerationChoice, OffsiteContext } from '../status/offsite-access.js';
import type { JobControl, JobOutcome } from './job-runner.js';
import { runRestoreJob } from './restore-job.js';

/** A restore from the offsite Pi, as the restore wizard and `restray restore --from offsite` ask for it. */
export interface OffsiteRestoreInput {
  repo: string;
  snapshot: string;
  includes?: string[] | undefined;
  destination: Destination;
  /** A generation name (`20250301T031500Z`); default: the newest verified one (holding `snapshot`). */
  generation?: string | undefined;
  home?: string | undefined;
  /** This workstation's restic host name, so that `latest` means its own newest snapshot. */
  host?: string | undefined;
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
  return runRestoreJob(ctx, input, target, now, control, log);
}
