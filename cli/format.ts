import type { PlanState } from '../contract/app-state.js';
import type { CliLang } from './cli-lang.js';
/** Human-readable byte counts in binary units (KiB, MiB, …), as restic prints them. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}

/** `h:mm:ss` or `m:ss`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}

export interface ProgressFigures {
  fraction?: number | undefined;
  bytesDone: number;
  bytesTotal?: number | undefined;
  filesDone: number;
  filesTotal?: number | undefined;
  secondsRemaining?: number | undefined;
  currentFiles: string[];
}

/**
 * One progress line for a terminal of `width` columns: bar, percent, bytes, files, ETA and the current file,
 * cut to fit. Pure, so it is tested without a terminal.
 */
export function progressLine(p: ProgressFigures, width: number): string {
  const pct = p.fraction === undefined ? undefined : Math.min(100, Math.max(0, p.fraction * 100));
  const barWidth = 20;
  const filled = pct === undefined ? 0 : Math.round((pct / 100) * barWidth);
  const bar = `[${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}]`;
  const parts = [
    bar,
    pct === undefined ? 'scanning' : `${pct.toFixed(1)}%`,
    p.bytesTotal === undefined
      ? formatBytes(p.bytesDone)
      : `${formatBytes(p.bytesDone)} / ${formatBytes(p.bytesTotal)}`,
    p.filesTotal === undefined ? `${p.filesDone} files` : `${p.filesDone} / ${p.filesTotal} files`,
  ];
  if (p.secondsRemaining !== undefined) parts.push(`ETA ${formatDuration(p.secondsRemaining)}`);
  let line = parts.join('  ');
  const current = p.currentFiles[0];
  if (current) {
    const room = width - line.length - 3;
    if (room > 10) line += `  ${current.length > room ? `…${current.slice(-(room - 1))}` : current}`;
  }
  return line.slice(0, Math.max(10, width - 1));
}

const RUN_WORDS = {
  en: {
    scheduler: { tray: 'the tray app', daemon: 'the Restray daemon', cli: 'a restray command' },
    result: { success: 'success', partial: 'partial', failed: 'failed', cancelled: 'cancelled' },
    never: 'never',
    manual: 'manual',
    nobody: 'not scheduled: neither the tray app nor the Restray daemon is running',
    paused: 'paused',
    line: (last: string, next: string) => `last ${last}, next ${next}`,
  },
  de: {
    scheduler: { tray: 'die Tray-App', daemon: 'der Restray-Dienst', cli: 'ein restray-Befehl' },
    result: {
      success: 'erfolgreich',
      partial: 'mit Warnungen',
      failed: 'fehlgeschlagen',
      cancelled: 'abgebrochen',
    },
    never: 'nie',
    manual: 'manuell',
    nobody: 'nicht geplant: weder die Tray-App noch der Restray-Dienst läuft',
    paused: 'pausiert',
    line: (last: string, next: string) => `zuletzt ${last}, nächster ${next}`,
  },
} as const;

/** A run's result as a word in `lang` (`success`, `erfolgreich`, …). */
export function resultWord(result: keyof (typeof RUN_WORDS)['en']['result'], lang: CliLang = 'en'): string {
  return RUN_WORDS[lang].result[result];
}

/**
 * A plan's last and next run for `restray status` and `plan list`: `last success 2026-…, next 2026-… (the
 * Restray daemon)`; a scheduled plan that no process runs says so instead of giving a time nobody keeps. In
 * `lang` (default English).
 */
export function planRunText(p: PlanState, lang: CliLang = 'en'): string {
  const w = RUN_WORDS[lang];
  const last = p.lastRun ? `${w.result[p.lastRun.result]} ${p.lastRun.endedAt}` : w.never;
  const next =
    p.scheduledBy === undefined
      ? w.manual
      : p.scheduledBy === 'none'
        ? w.nobody
        : `${p.nextRun ?? w.paused} (${w.scheduler[p.scheduledBy]})`;
  return w.line(last, next);
}
