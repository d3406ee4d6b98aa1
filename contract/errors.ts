import { z } from 'zod';

/**
 * Every expected failure has one of these kinds. The kind drives the tray state, the notification text and
 * the CLI exit status; the message is one plain sentence for a person (never a password or key).
 */
export const errorKinds = [
  'repo-not-found',
  'repo-exists',
  'wrong-password',
  'locked',
  'network',
  'host-key-mismatch',
  'host-key-unknown',
  'permission-denied',
  'append-only',
  'no-space',
  'restic-missing',
  'cancelled',
  'keychain-unavailable',
  'keychain-locked',
  'secret-missing',
  'invalid-config',
  'invalid-argument',
  'not-found',
  'failed',
] as const;
export const ErrorKind = z.enum(errorKinds);
export type ErrorKind = z.infer<typeof ErrorKind>;

/** An expected failure as a value: what crosses IPC, goes into run history and `--json` output. */
export const ErrorInfo = z.object({
  kind: ErrorKind,
  message: z.string(),
  /** What to do about it, one sentence; optional. */
  hint: z.string().optional(),
});
export type ErrorInfo = z.infer<typeof ErrorInfo>;
