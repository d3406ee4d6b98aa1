import type { ErrorInfo, ErrorKind } from '../../contract/errors.js';
import type { PiRunPhase } from '../../contract/pi-status.js';

/**
 * An expected failure of restray-pi: a kind from the shared contract, a plain message (never a secret, a key or
 * a URL with a token) and, when known, the phase of the run it stopped. Anything else thrown is a bug.
 */
export class PiError extends Error {
  readonly kind: ErrorKind;
  readonly hint: string | undefined;
  readonly phase: PiRunPhase | undefined;
  constructor(
    kind: ErrorKind,
    message: string,
    options?: { hint?: string; phase?: PiRunPhase; cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PiError';
    this.kind = kind;
    this.hint = options?.hint;
    this.phase = options?.phase;
  }

  toInfo(): ErrorInfo {
    return this.hint === undefined
      ? { kind: this.kind, message: this.message }
      : { kind: this.kind, message: this.message, hint: this.hint };
  }
}

/** Any thrown value as an ErrorInfo; unknown exceptions become kind `failed`. */
export function toErrorInfo(e: unknown): ErrorInfo {
  if (e instanceof PiError) return e.toInfo();
  return { kind: 'failed', message: e instanceof Error ? e.message : String(e) };
}

/** CLI exit statuses, documented in `restray-pi --help`. */
export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  blocked: 3,
  invalidConfig: 4,
  busy: 5,
  stale: 6,
} as const;
