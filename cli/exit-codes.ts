import type { ErrorKind } from '../contract/errors.js';

/**
 * `restray` exit statuses. They follow restic's where restic has one, so scripts that know restic's codes
 * keep working: 0 ok, 1 failure, 2 bad arguments or config, 3 backup incomplete (some files unreadable),
 * 10 no repository, 11 repository locked, 12 wrong password, 130 cancelled.
 */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  partial: 3,
  noRepository: 10,
  locked: 11,
  wrongPassword: 12,
  cancelled: 130,
} as const;

/** The exit status for an expected failure of the given kind. */
export function exitCodeFor(kind: ErrorKind): number {
  switch (kind) {
    case 'invalid-argument':
    case 'invalid-config':
      return EXIT.usage;
    case 'repo-not-found':
      return EXIT.noRepository;
    case 'locked':
      return EXIT.locked;
    case 'wrong-password':
      return EXIT.wrongPassword;
    case 'cancelled':
      return EXIT.cancelled;
    default:
      return EXIT.failure;
  }
}
