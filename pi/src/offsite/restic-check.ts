import { execa } from 'execa';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { PiVerification } from '../../../contract/pi-status.js';
import type { Log } from '../alerts.js';
import type { OffsiteConfig, Secrets } from '../config.js';
import { readJson, writeJsonAtomic } from '../fs-util.js';
import { tiedToRun } from '../link/tied-child.js';
import type { OffsitePaths } from './store.js';

/** The last `restic check`, as kept in state/restic-check.json and shown in the status. */
export const ResticCheckState = z.object({
  ...PiVerification.shape.resticCheck.unwrap().shape,
  generation: z.string(),
});
export type ResticCheckState = z.infer<typeof ResticCheckState>;

export function readResticCheck(p: OffsitePaths): ResticCheckState | undefined {
  const r = ResticCheckState.safeParse(readJson(p.resticCheck));
  return r.success ? r.data : undefined;
}

/** Bound on restic's output kept for the message (a damaged repository can print an error per blob). */
const OUTPUT_LIMIT = 64 * 1024;

/**
 * Runs `restic check` on a promoted generation, read-only: `--no-lock` (a generation is immutable, so no lock
 * file may be written into it, and nothing else writes to it), the cache in state/restic-cache instead of the
 * repository or a home directory, and the password from the `restic-password` secret through
 * RESTIC_PASSWORD_FILE (a credentials file) or RESTIC_PASSWORD — never argv; the other password sources are
 * blanked so no prompt or stray command is used. Exit 0 = ok; anything else is recorded with one plain line
 * (wrong password told apart; otherwise restic's first error line, which names blobs and packs, never the
 * password). Without the secret, records that the check could not run.
 *
 * Side effects: state/restic-check.json, the cache directory; `onFailure` is called (to alert) when the check
 * ran and found errors or could not open the repository. Never throws for restic's failures.
 */
export async function runResticCheck(
  p: OffsitePaths,
  off: OffsiteConfig,
  secrets: Secrets,
  generation: string,
  now: Date,
  log: Log,
  onFailure: (message: string) => Promise<void>,
): Promise<ResticCheckState> {
  const record = async (ok: boolean, message?: string) => {
    const s: ResticCheckState = { at: now.toISOString(), ok, generation, ...(message ? { message } : {}) };
    writeJsonAtomic(p.resticCheck, s);
    if (!ok) {
      log(`restic check: ${message}`);
      await onFailure(message ?? 'restic check failed.');
    }
    return s;
  };
  const file = secrets.filePath('restic-password');
  const value = file ? undefined : secrets.get('restic-password');
  if (!file && !value)
    return record(
      false,
      'restic check is on (verify.resticCheck) but the restic-password secret is not set on this Pi.',
    );
  const cache = join(p.state, 'restic-cache');
  mkdirSync(cache, { recursive: true, mode: 0o700 });
  const r = await execa(
    ...tiedToRun(off.verify.resticPath, ['-r', join(p.generations, generation), '--no-lock', 'check']),
    {
      reject: false,
      stdin: 'ignore',
      all: true,
      maxBuffer: OUTPUT_LIMIT,
      extendEnv: true,
      env: {
        RESTIC_CACHE_DIR: cache,
        RESTIC_PASSWORD_COMMAND: '',
        RESTIC_PASSWORD_FILE: file ?? '',
        RESTIC_PASSWORD: value ?? '',
        RESTIC_REPOSITORY: '',
        RESTIC_REPOSITORY_FILE: '',
        LC_ALL: 'C',
      },
    },
  );
  if (r.exitCode === 0) return record(true);
  const out = String(r.all ?? '');
  if (r.exitCode === undefined)
    return record(
      false,
      `restic could not be started (${off.verify.resticPath}): install restic on this Pi.`,
    );
  if (/wrong password or no key found/.test(out))
    return record(false, `restic check: the restic-password secret does not open generation ${generation}.`);
  const first = out
    .split('\n')
    .map((l) => l.trim())
    .find((l) => /error|Fatal|invalid|missing|damaged/i.test(l));
  return record(
    false,
    `restic check found errors in generation ${generation} (exit ${r.exitCode})${first ? `: ${first.slice(0, 300)}` : ''}.`,
  );
}
