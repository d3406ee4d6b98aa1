import type { ResticVersion } from '../../contract/restic.js';
import { decodeMessage, parseJsonLine } from './json-lines.js';
import { VersionMsg } from './messages.js';
import { resticMissing } from './errors.js';
import { callOptions, runRestic, type CallOptions, type ResticContext } from './runner.js';

/** Oldest restic Restray supports: Debian 12 and Raspberry Pi OS ship 0.14.0. */
export const MIN_RESTIC_VERSION = { major: 0, minor: 14, patch: 0 } as const;

/**
 * Reads a version from `restic version` output: text (`restic 0.14.0 compiled with go1.19.8 on linux/amd64`,
 * development builds `restic 0.17.0-dev (compiled manually) …`) or the JSON object of restic ≥ 0.17.
 */
export function parseResticVersion(output: string): ResticVersion | undefined {
  for (const line of output.split('\n')) {
    const json = decodeMessage(VersionMsg, parseJsonLine(line));
    const text = json?.version ?? /^restic\s+v?(\S+)/.exec(line.trim())?.[1];
    const m = text === undefined ? null : /^(\d+)\.(\d+)\.(\d+)/.exec(text);
    if (m) return { version: text!, major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]) };
  }
  return undefined;
}

/** True when `v` is at least major.minor(.patch). */
export function resticAtLeast(v: ResticVersion, major: number, minor: number, patch = 0): boolean {
  if (v.major !== major) return v.major > major;
  if (v.minor !== minor) return v.minor > minor;
  return v.patch >= patch;
}

/**
 * `restic version`: which restic `binary` is, without touching any repository.
 *
 * Exit statuses: 0. Errors: `restic-missing` when the binary cannot be started, its output names no version,
 * or it is older than 0.14 (Restray relies on 0.14's JSON output). Side effects: none.
 */
export async function version(
  binary = 'restic',
  opts: CallOptions & { env?: Record<string, string> } = {},
): Promise<ResticVersion> {
  const json: unknown[] = [];
  const r = await runRestic(
    { binary, repoArgs: [], password: '', ...(opts.env === undefined ? {} : { env: opts.env }) },
    { ...callOptions(opts), args: ['version'], withoutRepo: true, onJson: (v) => json.push(v) },
  );
  const v = parseResticVersion([...json.map((j) => JSON.stringify(j)), r.stdoutTail].join('\n'));
  if (v === undefined) throw resticMissing(`"${binary}" did not report a restic version.`);
  const min = MIN_RESTIC_VERSION;
  if (!resticAtLeast(v, min.major, min.minor, min.patch))
    throw resticMissing(`restic ${v.version} is too old: Restray needs restic 0.14 or newer.`);
  return v;
}

/**
 * What Restray uses of a restic newer than 0.14. Every version check in the driver goes through this; each
 * flag is false on 0.14 (Debian 12, Raspberry Pi OS), where the driver keeps its 0.14 behaviour.
 */
export interface ResticFeatures {
  /** `--retry-lock DURATION` (0.16): wait for a lock (the onsite Pi's prune) instead of failing at once. */
  retryLock: boolean;
  /** `backup --skip-if-unchanged` (0.17): no new snapshot when nothing changed since the parent snapshot. */
  skipIfUnchanged: boolean;
  /** Exit statuses 10/11/12 (0.17) and, with `--json`, a JSON `exit_error` line on stderr (0.18). */
  jsonExitErrors: boolean;
}

/** The features of restic `v`; undefined (version unknown) gives those of 0.14. */
export function resticFeatures(v: ResticVersion | undefined): ResticFeatures {
  return {
    retryLock: v !== undefined && resticAtLeast(v, 0, 16),
    skipIfUnchanged: v !== undefined && resticAtLeast(v, 0, 17),
    jsonExitErrors: v !== undefined && resticAtLeast(v, 0, 18),
  };
}

const detected = new Map<string, Promise<ResticVersion | undefined>>();

/**
 * The version of restic `binary`, asked once per process and binary (`restic version`, cached; concurrent
 * callers share the one call). A binary that cannot be started or names no version gives undefined: the
 * caller then uses 0.14's features and the real call reports the problem. Side effects: one restic child
 * process per binary and process.
 */
export function detectResticVersion(
  binary: string,
  env?: Record<string, string>,
): Promise<ResticVersion | undefined> {
  let v = detected.get(binary);
  if (v === undefined) {
    v = version(binary, {
      ...(env === undefined ? {} : { env }),
      signal: AbortSignal.timeout(VERSION_DEADLINE_MS),
    }).catch(() => undefined);
    detected.set(binary, v);
  }
  return v;
}

const VERSION_DEADLINE_MS = 30_000;

/**
 * The features of the restic a context runs: `ctx.version` when the caller knows it (tests, a version read
 * at start-up), else {@link detectResticVersion}. Never throws.
 */
export async function featuresOf(
  ctx: Pick<ResticContext, 'binary' | 'env' | 'version'>,
): Promise<ResticFeatures> {
  return resticFeatures(ctx.version ?? (await detectResticVersion(ctx.binary, ctx.env)));
}
