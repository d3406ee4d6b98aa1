import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { DrillSummary } from '../../contract/app-state.js';
import type { ErrorInfo } from '../../contract/errors.js';
import type { JobControl, JobOutcome, JobSpec } from '../engine/job-runner.js';
import { RestrayError } from '../errors.js';
import * as restic from '../restic/index.js';
import type { Trigger } from '../../contract/app-state.js';
import type { Repository } from '../../contract/config.js';
import { resolveOffsiteContext, type OffsiteContext } from '../status/offsite-access.js';
import { judgeSample, unreadableFiles, type RestoredSample } from './compare.js';
import { DEFAULT_SAMPLE, sampleFiles, type SampleLimits, type SampledFile } from './sample.js';

/** Which copy a drill restores from; the other one (when it answers) is the reference. */
export type DrillSource = 'offsite' | 'onsite';

export interface DrillInput {
  from: DrillSource;
  /** How many files to sample (default 20). */
  files?: number | undefined;
  /** Bytes the sample may hold together (default 200 MB). */
  maxBytes?: number | undefined;
}

/** What a drill needs from the engine. */
export interface DrillDeps {
  /** The onsite repository (password from the keychain). */
  onsite: () => Promise<restic.ResticContext>;
  /** The newest verified offsite generation through the read-only account; absent without offsite access. */
  offsite?: ((signal: AbortSignal) => Promise<OffsiteContext>) | undefined;
  /** This workstation's restic host name: the drill tests its own newest snapshot. */
  host: string;
  /**
   * The drill's private folder (created 0700, emptied first, removed at the end whatever happens). One per
   * repository: the repository lock keeps two drills of one repository apart, so a leftover of a killed drill
   * is swept by the next one.
   */
  sampleDir: string;
  random?: () => number;
}

const MAX_FAILURES = 50;

function sampleLimits(input: DrillInput): SampleLimits {
  return {
    files: input.files ?? DEFAULT_SAMPLE.files,
    maxBytes: input.maxBytes ?? DEFAULT_SAMPLE.maxBytes,
  };
}

/** The newest snapshot of this host in a copy (of any host when this one has none there). */
async function newestSnapshot(ctx: restic.ResticContext, host: string, signal: AbortSignal) {
  const own = await restic.snapshots(ctx, { host, signal });
  const list = own.length ? own : await restic.snapshots(ctx, { signal });
  const newest = list.at(-1);
  if (!newest)
    throw new RestrayError('not-found', 'There is no snapshot to test a restore with yet.', {
      hint: 'Back up first; the restore test takes files from the newest snapshot.',
    });
  return newest;
}

/**
 * Restores the sample from one copy into `root`. A restore that failed for some sampled files (restic names
 * them and exits 1) still yields the rest; any other failure is thrown.
 */
async function restoreSample(
  ctx: restic.ResticContext,
  snapshot: string,
  sample: readonly SampledFile[],
  root: string,
  signal: AbortSignal,
): Promise<RestoredSample> {
  await mkdir(root, { recursive: true, mode: 0o700 });
  try {
    await restic.restore(ctx, {
      snapshot,
      target: root,
      includes: sample.map((f) => f.path),
      verify: true,
      signal,
    });
    return { root, unreadable: new Set() };
  } catch (e) {
    if (!(e instanceof restic.ResticError) || e.kind === 'cancelled') throw e;
    const unreadable = unreadableFiles(e.stderrTail, sample);
    if (unreadable.size === 0) throw e;
    return { root, unreadable };
  }
}

function failureOf(summary: DrillSummary): ErrorInfo | undefined {
  const first = summary.failures[0];
  if (!first) return undefined;
  const more = summary.failures.length - 1;
  const what = {
    unreadable: 'could not be restored',
    missing: 'was missing after the restore',
    size: 'came back with the wrong size',
    content: 'came back with different bytes',
  }[first.problem];
  const copy = summary.from === 'offsite' ? 'the offsite copy' : 'the onsite repository';
  return {
    kind: 'failed',
    message: `Restore test failed: ${first.path} ${what} from ${copy}${more ? ` (and ${more} more)` : ''}.`,
    hint:
      summary.from === 'offsite'
        ? 'Run `sudo restray-pi reverify` on the offsite Pi, then test again with `restray drill`.'
        : 'Run `restray check --read-data` on the repository, then back up again.',
  };
}

/**
 * A restore drill (issue 12): takes a random sample of the newest snapshot in the drilled copy (the newest
 * verified offsite generation through the read-only account, or the onsite repository), restores it with
 * restic `--verify` (sizes and content IDs as restic recorded them) into the private `sampleDir`, restores the
 * same files from the other copy and compares every byte; when the other copy cannot be read (the onsite Pi is
 * off) the recorded sizes and content IDs are the reference, and the run says so. The sample is deleted at the
 * end, also on failure and on cancel. A drill that finds damage returns `failure` naming the first damaged file
 * (all in `drill.failures`). Throws `not-found` (no snapshot, no files, no offsite access), restic's and ssh's
 * typed errors for the drilled copy, `cancelled`. Side effects: files under `sampleDir` only, while it runs.
 */
export async function runDrill(deps: DrillDeps, input: DrillInput, control: JobControl): Promise<JobOutcome> {
  const { signal } = control;
  const log: string[] = [];
  // Where a drill's time goes (listing, each restore, comparing), for the run log: drills over ssh are slow.
  const started = performance.now();
  const times: string[] = [];
  let mark = started;
  const lap = (what: string) => {
    const now = performance.now();
    times.push(`${what} ${((now - mark) / 1000).toFixed(1)} s`);
    mark = now;
  };
  const warnings: string[] = [];
  await rm(deps.sampleDir, { recursive: true, force: true });
  await mkdir(deps.sampleDir, { recursive: true, mode: 0o700 });
  try {
    const step = (fraction: number, filesDone = 0, filesTotal?: number) =>
      control.progress({
        fraction,
        bytesDone: 0,
        filesDone,
        ...(filesTotal === undefined ? {} : { filesTotal }),
        currentFiles: [],
      });
    step(0);
    let generation: string | undefined;
    let drilledCtx: restic.ResticContext;
    let referenceCtx: () => Promise<restic.ResticContext | undefined>;
    if (input.from === 'offsite') {
      if (!deps.offsite)
        throw new RestrayError('not-found', 'This repository has no read-only access to the offsite Pi.', {
          hint: 'Add it in the setup wizard (offsite restore), or test the onsite copy with --from onsite.',
        });
      const off = await deps.offsite(signal);
      generation = off.generation;
      drilledCtx = off.ctx;
      referenceCtx = deps.onsite;
    } else {
      drilledCtx = await deps.onsite();
      const offsite = deps.offsite;
      referenceCtx = async () => (offsite ? (await offsite(signal)).ctx : undefined);
    }
    const snap = await newestSnapshot(drilledCtx, deps.host, signal);
    log.push(
      `restore test of snapshot ${snap.shortId} from ${input.from === 'offsite' ? `offsite generation ${generation}` : 'the onsite repository'}`,
    );
    const files: { type: string; name: string; path: string; size?: number }[] = [];
    await restic.lsStream(drilledCtx, {
      snapshot: snap.id,
      signal,
      onNode: (n) => {
        if (n.type === 'file')
          files.push({
            type: n.type,
            name: n.name,
            path: n.path,
            ...(n.size === undefined ? {} : { size: n.size }),
          });
      },
    });
    lap('listing');
    const sample = sampleFiles(files, sampleLimits(input), deps.random);
    if (sample.length === 0)
      throw new RestrayError('not-found', `Snapshot ${snap.shortId} holds no file to test a restore with.`);
    step(0.1, 0, sample.length);
    const drilled = await restoreSample(drilledCtx, snap.id, sample, join(deps.sampleDir, 'drilled'), signal);
    lap('restore');
    step(0.5, sample.length - drilled.unreadable.size, sample.length);

    let reference: RestoredSample | undefined;
    let comparedWith: DrillSummary['comparedWith'] = 'recorded';
    try {
      const ctx = await referenceCtx();
      if (ctx) {
        reference = await restoreSample(ctx, snap.id, sample, join(deps.sampleDir, 'reference'), signal);
        comparedWith = input.from === 'offsite' ? 'onsite' : 'offsite';
      }
    } catch (e) {
      if (e instanceof RestrayError && e.kind === 'cancelled') throw e;
      if (!(e instanceof RestrayError)) throw e;
      const other = input.from === 'offsite' ? 'onsite repository' : 'offsite copy';
      warnings.push(
        `The ${other} could not be read (${e.message}); the files were checked against the sizes and content IDs restic recorded.`,
      );
    }
    lap('reference restore');
    step(0.8, sample.length, sample.length);
    const judged = await judgeSample(sample, drilled, reference);
    lap('compare');
    for (const p of judged.unjudged)
      warnings.push(`${p}: the reference copy could not give it; checked against the recorded content IDs.`);
    const summary: DrillSummary = {
      from: input.from,
      comparedWith,
      snapshot: snap.id,
      ...(generation === undefined ? {} : { generation }),
      files: sample.length,
      bytes: judged.bytes,
      failures: judged.failures.slice(0, MAX_FAILURES),
    };
    log.push(
      `${sample.length} files (${judged.bytes} bytes) compared with ${comparedWith === 'recorded' ? 'the recorded sizes and content IDs' : `the ${comparedWith} copy`}`,
      ...judged.failures.map((f) => `FAILED ${f.path}: ${f.problem}`),
      `took ${((performance.now() - started) / 1000).toFixed(1)} s: ${times.join(', ')}`,
    );
    const failure = failureOf(summary);
    return {
      result: 'success',
      drill: summary,
      log,
      ...(warnings.length ? { warnings } : {}),
      ...(failure ? { failure } : {}),
    };
  } finally {
    await rm(deps.sampleDir, { recursive: true, force: true });
  }
}

/** A drill as the app, the CLI and the scheduler ask for it. */
export interface DrillRequest {
  repo: string;
  /** Default: the offsite copy when read-only offsite access is configured, else the onsite repository. */
  from?: DrillSource | undefined;
  files?: number | undefined;
  trigger?: Trigger | undefined;
}

/**
 * The job of a drill of `repo` (kind `drill`, one pending per repository: a second request joins it), with the
 * repository's onsite context, its offsite generations through the read-only account (resolved when the job
 * runs) and its private folder `<stateDir>/drills/<repository id>`. Pure: nothing runs until the job does.
 */
export function drillJob(
  repo: Repository,
  request: DrillRequest,
  env: { context: () => Promise<restic.ResticContext>; stateDir: string; host: string },
): JobSpec {
  const deps: DrillDeps = {
    onsite: env.context,
    offsite: repo.offsite
      ? async (signal) => resolveOffsiteContext(await env.context(), repo, env.stateDir, {}, { signal })
      : undefined,
    host: env.host,
    sampleDir: join(env.stateDir, 'drills', repo.id ?? repo.name),
  };
  const input: DrillInput = {
    from: request.from ?? (repo.offsite ? 'offsite' : 'onsite'),
    files: request.files,
  };
  return {
    kind: 'drill',
    repo: repo.name,
    trigger: request.trigger ?? 'manual',
    key: 'drill',
    work: (control) => runDrill(deps, input, control),
  };
}
