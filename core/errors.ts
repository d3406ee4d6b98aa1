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

  /** The error as a plain value for IPC, history and JSON output. */
  toInfo(): ErrorInfo {
    return this.hint === undefined
      ? { kind: this.kind, message: this.message }
      : { kind: this.kind, message: this.message, hint: this.hint };
  }
}

/** Turns anything thrown into an ErrorInfo; unknown exceptions become kind `failed` with their message. */
export function toErrorInfo(e: unknown): ErrorInfo {
  if (e instanceof RestrayError) return e.toInfo();
  return { kind: 'failed', message: e instanceof Error ? e.message : String(e) };
}
