import type { ResticVersion } from '../../contract/restic.js';
import { decodeMessage, parseJsonLine } from './json-lines.js';
import { VersionMsg } from './messages.js';
import { resticMissing } from './errors.js';
import { callOptions, runRestic, type CallOptions } from './runner.js';

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
