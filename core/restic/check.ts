import { invalidArgument } from './args.js';
import { ResticError } from './errors.js';
import { callOptions, runRestic, type CallOptions, type ResticContext } from './runner.js';

export interface CheckOptions extends CallOptions {
  /**
   * Also read and verify this part of the pack files: `n/t` (part n of t), `x%` / `x.y%` (random subset) or a
   * size such as `500M` (random subset of that many bytes).
   */
  readDataSubset?: string;
}

export interface CheckResult {
  /** restic's text report (no JSON before 0.18); bounded. */
  report: string;
}

/** Validates a `--read-data-subset` value in the forms restic 0.14 accepts. */
export function validReadDataSubset(s: string): boolean {
  const part = /^(\d+)\/(\d+)$/.exec(s);
  if (part) return Number(part[1]) >= 1 && Number(part[1]) <= Number(part[2]);
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(s);
  if (pct) return Number(pct[1]) > 0 && Number(pct[1]) <= 100;
  return /^[1-9]\d*[kKmMgGtT]?$/.test(s);
}

/**
 * `restic check`: verifies the repository's structure, and with `readDataSubset` also the content of part of the
 * data.
 *
 * Exit statuses: 0 → no errors. Errors: `failed` with "The repository check found errors" when restic reports
 * damage (restic 0.14: `repository contains errors`); `locked` (check takes an exclusive lock, so a stale lock
 * blocks it); `invalid-argument` for a malformed subset; `wrong-password`, `repo-not-found`, SSH kinds.
 * Side effects: an exclusive lock for the duration; a temporary cache that restic removes.
 */
export async function check(ctx: ResticContext, opts: CheckOptions = {}): Promise<CheckResult> {
  const args = ['check'];
  if (opts.readDataSubset !== undefined) {
    if (!validReadDataSubset(opts.readDataSubset))
      throw invalidArgument(`"${opts.readDataSubset}" is not a data subset (n/t, x% or a size like 500M).`);
    args.push(`--read-data-subset=${opts.readDataSubset}`);
  }
  try {
    const r = await runRestic(ctx, { ...callOptions(opts), args });
    return { report: r.stdoutTail };
  } catch (e) {
    if (
      e instanceof ResticError &&
      e.kind === 'failed' &&
      /contains errors|error(s)? (were )?found/i.test(e.message)
    )
      throw new ResticError('failed', 'The repository check found errors.', {
        hint: "Keep the repository as it is and see the run log; restic's repair commands can fix most damage.",
        ...(e.exitCode === undefined ? {} : { exitCode: e.exitCode }),
        stderrTail: e.stderrTail,
        cause: e,
      });
    throw e;
  }
}
