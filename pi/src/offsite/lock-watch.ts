import { join } from 'node:path';
import { z } from 'zod';
import { readJson, writeJsonAtomic } from '../fs-util.js';
import type { OffsitePaths } from './store.js';
import type { RepoFile } from '../repo-files.js';

/**
 * How long the onsite repository has had live locks, run after run (state/locks.json). restic 0.14 refreshes a
 * lock by writing a new file under a new name every 5 minutes, so a lock is tracked as an episode ("live locks
 * at every run since"), not by name.
 */
const LockEpisode = z.object({
  since: z.string(),
  /** The episode was already alerted (once per episode). */
  alerted: z.boolean().default(false),
});
export type LockEpisode = z.infer<typeof LockEpisode>;

/**
 * The next lock episode from the previous one and this run's live locks: none when no lock is live; an alert
 * (naming the live locks) when live locks have been seen at every run for more than `waitSeconds` and the
 * episode was not alerted yet. Pure.
 */
export function nextLockEpisode(
  prev: LockEpisode | undefined,
  live: readonly RepoFile[],
  now: Date,
  waitSeconds: number,
): { episode: LockEpisode | undefined; alert?: string } {
  if (live.length === 0) return { episode: undefined };
  const episode: LockEpisode = prev ?? { since: now.toISOString(), alerted: false };
  const held = (now.getTime() - Date.parse(episode.since)) / 1000;
  if (episode.alerted || held <= waitSeconds) return { episode };
  const names = live.map((f) => f.path.slice(f.path.lastIndexOf('/') + 1)).sort();
  return {
    episode: { ...episode, alerted: true },
    alert: `The onsite repository has had fresh locks at every run since ${episode.since} (longer than ${waitSeconds} s); copies go on regardless. Live lock(s) now: ${names.join(', ')}.`,
  };
}

/**
 * Records this run's live locks (see nextLockEpisode) and returns the alert sentence, if one is due.
 * Side effects: reads and writes state/locks.json.
 */
export function watchLocks(
  p: OffsitePaths,
  live: readonly RepoFile[],
  now: Date,
  waitSeconds: number,
): string | undefined {
  const file = join(p.state, 'locks.json');
  const r = LockEpisode.safeParse(readJson(file));
  const next = nextLockEpisode(r.success ? r.data : undefined, live, now, waitSeconds);
  writeJsonAtomic(file, next.episode ?? null);
  return next.alert;
}
