import { join } from 'node:path';
import type { OffsiteConfig } from '../config.js';
import { parseGenerationName } from '../generation-name.js';
import { evaluateGuard, pickReference, type GuardFinding, type GuardFiles } from '../guard.js';
import { listGenerations, walkRepo, type OffsitePaths } from './store.js';
import type { RepoFile } from '../repo-files.js';
import type { GuardState } from './status.js';

/**
 * The guard for one run (pull and push): the source listing against the newest generation and against the
 * window reference (see pickReference; generations before the last approved promotion never serve). Reads the
 * reference generation's files (a walk of its directory) when it is not the newest.
 *
 * @param prevMap the newest generation's files, undefined before the first generation
 * @param state the guard state on disk, for the approved baseline
 */
export function runGuard(
  p: OffsitePaths,
  off: OffsiteConfig,
  prevMap: GuardFiles | undefined,
  current: readonly RepoFile[],
  now: Date,
  state: GuardState,
): GuardFinding {
  const gens = listGenerations(p).flatMap((name) => {
    const time = parseGenerationName(name);
    return time ? [{ name, time }] : [];
  });
  const newest = gens.at(-1)?.name;
  const ref = pickReference(gens, now, off.guard.windowHours, state.baseline);
  const reference =
    prevMap && ref && ref !== newest
      ? { name: ref, files: new Map(walkRepo(join(p.generations, ref)).map((f) => [f.path, f])) }
      : undefined;
  return evaluateGuard({ previous: prevMap, reference, current, policy: off.guard });
}
