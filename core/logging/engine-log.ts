import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { EngineEvent } from '../../contract/app-state.js';
import { boundText } from '../errors.js';
import { appendRotated, DEFAULT_ROTATION, type RotationLimits } from './rotating-file.js';

/** The log file of each long-running Restray process, inside the log folder (one writer per file). */
export const LOG_NAMES = { daemon: 'restray-daemon.log', tray: 'restray-tray.log' } as const;

/** Longest log line text (before the timestamp and level): 4 KB. */
const MAX_LINE = 4096;

/**
 * The log line text for an engine event, or undefined when the event is not logged. Logged: a job starting
 * (`backup home started (scheduled)`) and a job finishing (`backup home success: snapshot 1a2b3c4d`, or the
 * failure's kind and message). Progress, schedule and chain events are not logged (the run history and the
 * status hold them). Pure. Texts come from run records, whose error texts are already scrubbed of secrets.
 */
export function engineEventText(
  e: EngineEvent,
): { level: 'info' | 'warn' | 'error'; text: string } | undefined {
  if (e.type === 'job-updated' && e.job.state === 'running')
    return { level: 'info', text: `${e.job.kind} ${e.job.plan ?? e.job.repo} started (${e.job.trigger})` };
  if (e.type !== 'job-finished') return undefined;
  const r = e.run;
  const what = `${r.kind} ${r.plan ?? r.repo} ${r.result}`;
  if (r.error) return { level: 'error', text: `${what}: ${r.error.kind}: ${r.error.message}` };
  const snapshot = r.backup ? `: snapshot ${r.backup.snapshotId.slice(0, 8)}` : '';
  const warnings = r.warnings?.length ? ` (${r.warnings.length} warning(s))` : '';
  return { level: r.result === 'success' ? 'info' : 'warn', text: `${what}${snapshot}${warnings}` };
}

/**
 * One log line: ISO timestamp, level, text bounded to 4 KB with line breaks and other control characters
 * turned into spaces (a message can never forge a second line). Pure.
 */
export function logLine(now: Date, level: string, text: string): string {
  // eslint-disable-next-line no-control-regex
  const flat = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ');
  return `${now.toISOString()} ${level.toUpperCase()} ${boundText(flat, MAX_LINE)}\n`;
}

/** A process's log file: engine events and unexpected errors, one line each. */
export interface EngineLog {
  /** The file written (rotated to `.1` … `.4` beside it). */
  file: string;
  /** Listener for the engine's event bus. Never throws. */
  onEvent(e: EngineEvent): void;
  /** Logs an unexpected error (its stack, or name and message) as one line. Never throws. */
  bug(e: unknown): void;
  /** Logs one line of the process's own (start, stop). Never throws. */
  note(text: string): void;
}

/**
 * Opens the log `<logDir>/<name>`, creating the log folder (mode 0700) when missing; if that fails the
 * returned log silently writes nothing (logging never stops a backup). `clock` is injectable for tests.
 */
export function openEngineLog(
  logDir: string,
  name: string,
  options: { limits?: RotationLimits; clock?: () => Date } = {},
): EngineLog {
  const file = join(logDir, name);
  const limits = options.limits ?? DEFAULT_ROTATION;
  const clock = options.clock ?? (() => new Date());
  try {
    mkdirSync(logDir, { recursive: true, mode: 0o700 });
  } catch {
    // appendRotated then fails quietly too
  }
  const write = (level: string, text: string) => appendRotated(file, logLine(clock(), level, text), limits);
  return {
    file,
    onEvent: (e) => {
      const line = engineEventText(e);
      if (line) write(line.level, line.text);
    },
    bug: (e) => {
      const detail = e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : String(e);
      write('error', `unexpected error: ${detail}`);
    },
    note: (text) => {
      write('info', text);
    },
  };
}
