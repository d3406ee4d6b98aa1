import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A fresh folder whose path looks like a real user's: a space as on every macOS install (`Application Support`),
 * a non-ASCII letter and another space (`Réstray x`), a `%` that ssh would expand and an apostrophe as in a
 * Windows profile name. The scenario suites keep RESTRAY_HOME (keys, known_hosts) here, so every ssh option
 * value Restray writes is tested with them.
 */
export function userLikeDir(prefix: string): string {
  const d = join(mkdtempSync(join(tmpdir(), prefix)), 'Application Support', "Réstray x 100% O'Neil");
  mkdirSync(d, { recursive: true });
  return d;
}
