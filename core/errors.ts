import type { ErrorInfo, ErrorKind } from '../contract/errors.js';

/**
 * An expected failure (see GitHub Desktop's error-reporting notes): it carries a kind and a plain message and
 * is shown to the user; anything else that is thrown is a bug and is logged as such.
 * Messages must never contain a password or key material.
 */
export class RestrayError extends Error {
  readonly kind: ErrorKind;
  readonly hint: string | undefined;
  constructor(kind: ErrorKind, message: string, options?: { hint?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RestrayError';
    this.kind = kind;
    this.hint = options?.hint;
  }

  /** The error as a plain value for IPC, history and JSON output; texts bounded by {@link boundText}. */
  toInfo(): ErrorInfo {
    return this.hint === undefined
      ? { kind: this.kind, message: boundText(this.message) }
      : { kind: this.kind, message: boundText(this.message), hint: boundText(this.hint) };
  }
}

/** The longest error text (message or hint) kept in history, sent over IPC or shown: 4 KB. */
export const MAX_ERROR_TEXT = 4096;

/**
 * `text` cut to at most `max` UTF-16 units, marked with `…` when cut. Error texts can quote their input (a
 * 50 MB broken config, a huge restic line); bounding them here keeps every run record and message small.
 */
export function boundText(text: string, max = MAX_ERROR_TEXT): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * Turns anything thrown into an ErrorInfo (texts bounded to 4 KB); unknown exceptions become kind `failed`
 * with their message, and file-system errors a plain sentence (see {@link fileErrorInfo}).
 */
export function toErrorInfo(e: unknown): ErrorInfo {
  if (e instanceof RestrayError) return e.toInfo();
  const file = fileErrorInfo(e);
  if (file) return file;
  return { kind: 'failed', message: boundText(e instanceof Error ? e.message : String(e)) };
}

const FILE_PROBLEMS: Record<string, { kind: ErrorKind; what: string; hint: string }> = {
  ENOSPC: { kind: 'no-space', what: 'the disk is full', hint: 'Free some space, then try again.' },
  EDQUOT: { kind: 'no-space', what: 'the disk quota is used up', hint: 'Free some space, then try again.' },
  EROFS: {
    kind: 'permission-denied',
    what: 'the file system is read-only',
    hint: 'Point RESTRAY_HOME (or your home folder) at a writable place.',
  },
  EACCES: {
    kind: 'permission-denied',
    what: 'permission denied',
    hint: 'Check the owner and permissions of that folder.',
  },
  EPERM: {
    kind: 'permission-denied',
    what: 'the operation is not permitted',
    hint: 'Check the owner and permissions of that folder.',
  },
};

/**
 * A plain ErrorInfo for a Node file-system error (read-only or full disk, no permission), naming the path;
 * undefined for anything else.
 */
export function fileErrorInfo(e: unknown): ErrorInfo | undefined {
  const err = e as { code?: unknown; path?: unknown } | undefined;
  const problem = typeof err?.code === 'string' ? FILE_PROBLEMS[err.code] : undefined;
  if (!problem) return undefined;
  const where = typeof err?.path === 'string' ? ` ${err.path}` : '';
  return {
    kind: problem.kind,
    message: boundText(`Cannot write${where}: ${problem.what}.`),
    hint: problem.hint,
  };
}
