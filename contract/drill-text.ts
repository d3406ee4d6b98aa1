import type { RunRecord } from './app-state.js';
import type { AdviceLang } from './chain-advice.js';

/**
 * The one line about a repository's last restore drill, as the dashboard and `restray status` show it:
 * "Last restore test from the offsite Pi: passed, 20 files, 3 days ago". Pure (no Node, no DOM): the caller
 * writes the relative time in its language (`ago('…')` → "3 days ago" / "vor 3 Tagen").
 */
export function drillLine(
  run: RunRecord | undefined,
  lang: AdviceLang,
  ago: (iso: string) => string,
): string {
  const t = TEXTS[lang];
  if (!run) return t.none;
  const from = run.drill?.from ?? 'offsite';
  const files = run.drill?.files;
  const when = ago(run.endedAt);
  if (run.result === 'success') return t.line(from, t.passed(files ?? 0), when);
  if (run.result === 'cancelled') return t.line(from, t.cancelled, when);
  const first = run.drill?.failures[0];
  return t.line(from, first ? t.failedFile(first.path) : t.couldNotRun, when);
}

/** The title of the notification for a failed drill (its body is drillAdvice's reason and next step). */
export function drillFailedTitle(lang: AdviceLang): string {
  return TEXTS[lang].failedTitle;
}

type Texts = {
  failedTitle: string;
  none: string;
  line: (from: 'offsite' | 'onsite', outcome: string, when: string) => string;
  passed: (files: number) => string;
  failedFile: (path: string) => string;
  couldNotRun: string;
  cancelled: string;
};

const TEXTS: Record<AdviceLang, Texts> = {
  en: {
    failedTitle: 'Restore test failed',
    none: 'No restore test yet.',
    line: (from, outcome, when) =>
      `Last restore test from the ${from === 'offsite' ? 'offsite' : 'onsite'} Pi: ${outcome}, ${when}`,
    passed: (n) => `passed, ${n} ${n === 1 ? 'file' : 'files'}`,
    failedFile: (p) => `failed (“${p}”)`,
    couldNotRun: 'could not run',
    cancelled: 'cancelled',
  },
  de: {
    failedTitle: 'Wiederherstellungstest fehlgeschlagen',
    none: 'Noch kein Wiederherstellungstest.',
    line: (from, outcome, when) =>
      `Letzter Wiederherstellungstest vom ${from === 'offsite' ? 'externen Pi' : 'Pi vor Ort'}: ${outcome}, ${when}`,
    passed: (n) => `bestanden, ${n} ${n === 1 ? 'Datei' : 'Dateien'}`,
    failedFile: (p) => `fehlgeschlagen („${p}“)`,
    couldNotRun: 'konnte nicht laufen',
    cancelled: 'abgebrochen',
  },
};
