import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { boundText } from '../core/errors.js';
import { appendRotated } from '../core/logging/rotating-file.js';

/** The CLI's log file inside the log folder. */
export const CLI_LOG_NAME = 'restray-cli.log';

/**
 * Appends one JSON line describing an unexpected error (message and stack, bounded to 16 KB) to
 * `<logDir>/restray-cli.log` (rotated like every Restray log, see appendRotated), but only when the log
 * folder exists: the CLI never creates folders just to log, and logging never throws (a read-only or full disk is what may have caused the error). Returns the log file
 * when the entry was written.
 */
export function logUnexpected(logDir: string, e: unknown, now = new Date()): string | undefined {
  const file = join(logDir, CLI_LOG_NAME);
  try {
    if (!existsSync(logDir)) return undefined;
    const detail = e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : String(e);
    const line = JSON.stringify({
      time: now.toISOString(),
      level: 'error',
      detail: boundText(detail, 16_384),
    });
    return appendRotated(file, `${line}\n`) ? file : undefined;
  } catch {
    return undefined;
  }
}
