import { ResticError } from './errors.js';

/** An argument restic must not see: kind `invalid-argument`, raised before restic runs. */
export function invalidArgument(message: string, hint?: string): ResticError {
  return new ResticError('invalid-argument', message, hint === undefined ? undefined : { hint });
}

// A hex prefix or `latest`: anything else could be read by restic as a flag.
const snapshotRef = /^(latest|[0-9a-f]{1,64})$/;

/** Validates a snapshot reference (hex ID or prefix, or `latest`). */
export function snapshotArg(ref: string): string {
  if (!snapshotRef.test(ref)) throw invalidArgument(`"${ref}" is not a snapshot ID.`);
  return ref;
}

/**
 * Validates and normalises an absolute path inside a snapshot: restic uses `/` on every platform (a Windows
 * drive appears as `/C/…`); a trailing slash is dropped.
 */
export function snapshotPath(path: string): string {
  if (!path.startsWith('/')) throw invalidArgument(`"${path}" is not an absolute path inside the snapshot.`);
  if (path.includes('\0')) throw invalidArgument('A path inside the snapshot contains a NUL character.');
  const trimmed = path.replace(/\/+$/, '');
  return trimmed === '' ? '/' : trimmed;
}

/** The parent of a normalised snapshot path (`/` for top-level entries). */
export function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/** `--flag value` pairs for each value, e.g. repeated `--exclude`. */
export function repeated(flag: string, values: readonly string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => [flag, v]);
}
