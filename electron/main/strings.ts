import type { Advice, AdviceFormat } from '../../contract/chain-advice.js';

/**
 * Texts main shows itself (tray menu, tooltip, notifications), in English and German. The renderer has its own
 * i18next resources; these few live here because main must not depend on the renderer.
 */
import type { TrustProblem } from '../../contract/app-state.js';

export type Lang = 'en' | 'de';

/** The user's choice, else the OS language when it is German, else English. */
export function pickLang(setting: string | undefined, osLocale: string): Lang {
  if (setting === 'de' || setting === 'en') return setting;
  return osLocale.toLowerCase().startsWith('de') ? 'de' : 'en';
}

const trustProblemEn: Record<TrustProblem, string> = {
  unsigned: 'the offsite status is not signed.',
  'bad-signature': 'the offsite status was changed after the offsite Pi signed it.',
  'other-key': 'the offsite status is signed by another key.',
  replay: 'an older offsite status is being served again.',
  future: 'the offsite status is dated in the future.',
  stale: 'the offsite Pi has not renewed its status for too long.',
  mismatch: 'the status on the onsite Pi differs from the offsite Pi’s own.',
};
const trustProblemDe: Record<TrustProblem, string> = {
  unsigned: 'der externe Status ist nicht signiert.',
  'bad-signature': 'der externe Status wurde nach dem Signieren verändert.',
  'other-key': 'der externe Status ist mit einem anderen Schlüssel signiert.',
  replay: 'ein älterer externer Status wird erneut ausgeliefert.',
  future: 'der externe Status ist in der Zukunft datiert.',
  stale: 'der externe Pi hat seinen Status zu lange nicht erneuert.',
  mismatch: 'der Status auf dem Pi vor Ort weicht von dem des externen Pi ab.',
};

const en = {
  appName: 'Restray',
  setupNeeded: 'Set up Restray to start backing up',
  lastBackup: (when: string, result: string) => `Last backup: ${when} — ${result}`,
  noBackupYet: 'No backup yet',
  resultSuccess: 'OK',
  resultPartial: 'some files skipped',
  resultFailed: 'failed',
  resultCancelled: 'cancelled',
  offsiteSafe: 'Offsite: safe',
  offsiteBehind: (lag: string) => `Offsite: not yet (${lag} behind)`,
  offsiteNotYet: 'Offsite: not yet',
  offsiteFailed: 'Offsite: copy failed',
  offsiteBlocked: 'Offsite: blocked — check the offsite Pi',
  offsiteUnknown: 'Offsite: status unknown',
  offsiteForged: 'Offsite: status not trusted — it is not the offsite Pi’s signed word',
  offsiteNotSigned:
    'offsite status not signed — pin the offsite Pi’s key (restray repo offsite … --status-key)',
  offsiteNone: 'Offsite: not set up',
  atRiskLine: 'Backups at risk — open Restray for the reason',
  running: (what: string, percent: string) => `Backing up ${what}… ${percent}`,
  restoring: (percent: string) => `Restoring… ${percent}`,
  cancel: 'Cancel',
  backupNow: 'Back up now',
  backupPlan: (plan: string) => `Back up “${plan}” now`,
  pause: 'Pause backups',
  pause1h: 'For 1 hour',
  pause4h: 'For 4 hours',
  pauseTomorrow: 'Until tomorrow',
  pausedUntil: (when: string) => `Paused until ${when}`,
  resume: 'Resume backups',
  restoreFiles: 'Restore files…',
  open: 'Open Restray',
  quit: 'Quit Restray',
  tipOk: 'Your backups are up to date',
  tipRunning: (percent: string) => `Backing up… ${percent}`,
  tipPaused: (when: string) => `Backups paused until ${when}`,
  tipError: (reason: string) => `Last backup failed: ${reason}`,
  tipWarning: (reason: string) => `Needs attention: ${reason}`,
  tipAtRisk: (reason: string) => `At risk: ${reason}`,
  stale: (days: number) => `no successful backup for ${days} ${days === 1 ? 'day' : 'days'}`,
  // notifications
  nBackupFailedTitle: 'Backup failed',
  nBackupFailedBody: (plan: string, reason: string) => `“${plan}” could not be backed up: ${reason}`,
  nBackupPartialTitle: 'Backup finished with warnings',
  nBackupPartialBody: (plan: string, n: number) =>
    `“${plan}” was backed up, but ${n} ${n === 1 ? 'file' : 'files'} could not be read.`,
  nBackupOkTitle: 'Backup finished',
  nBackupOkBody: (plan: string) => `“${plan}” is backed up.`,
  nRestoreOkTitle: 'Restore finished',
  nRestoreOkBody: (n: number, target: string) => `${n} ${n === 1 ? 'file' : 'files'} restored to ${target}.`,
  nRestoreFailedTitle: 'Restore failed',
  nRestoreFailedBody: (reason: string) => `The files could not be restored: ${reason}`,
  nOffsiteFailedTitle: 'Offsite copy failed',
  nOffsiteFailedBody: (repo: string, reason: string) => `The offsite copy of “${repo}” failed: ${reason}`,
  nOffsiteBlockedTitle: 'Offsite copy blocked',
  nOffsiteBlockedBody: (repo: string) =>
    `The offsite Pi stopped copying “${repo}” because many files vanished onsite. Check the onsite Pi before approving.`,
  nOffsiteLagTitle: 'Backup not yet offsite',
  nOffsiteLagBody: (repo: string, lag: string) =>
    `The newest backup of “${repo}” has not reached the offsite Pi for ${lag}.`,
  nStaleTitle: 'No recent backup',
  nStaleBody: (plan: string, days: number) =>
    `“${plan}” has had no successful backup for ${days} ${days === 1 ? 'day' : 'days'}.`,
  nAtRiskTitle: 'Backups at risk',
  nDetails: 'Show details',
  unknownReason: 'unknown reason',
  nOffsiteForgedTitle: 'Offsite status not trusted',
  nOffsiteForgedBody: (repo: string, problem: TrustProblem) =>
    `“${repo}”: ${trustProblemEn[problem]} Restray cannot tell whether your backups are offsite.`,
};

export type Strings = typeof en;

const de: Strings = {
  appName: 'Restray',
  setupNeeded: 'Richten Sie Restray ein, um mit Sicherungen zu beginnen',
  lastBackup: (when, result) => `Letzte Sicherung: ${when} — ${result}`,
  noBackupYet: 'Noch keine Sicherung',
  resultSuccess: 'OK',
  resultPartial: 'einige Dateien übersprungen',
  resultFailed: 'fehlgeschlagen',
  resultCancelled: 'abgebrochen',
  offsiteSafe: 'Extern: sicher',
  offsiteBehind: (lag) => `Extern: noch nicht (${lag} im Rückstand)`,
  offsiteNotYet: 'Extern: noch nicht',
  offsiteFailed: 'Extern: Kopie fehlgeschlagen',
  offsiteBlocked: 'Extern: blockiert — externen Pi prüfen',
  offsiteUnknown: 'Extern: Status unbekannt',
  offsiteForged: 'Extern: Status nicht vertrauenswürdig — nicht vom externen Pi signiert',
  offsiteNotSigned:
    'externer Status nicht signiert — Schlüssel des externen Pi festlegen (restray repo offsite … --status-key)',
  offsiteNone: 'Extern: nicht eingerichtet',
  atRiskLine: 'Sicherungen gefährdet — Grund in Restray',
  running: (what, percent) => `Sichere ${what}… ${percent}`,
  restoring: (percent) => `Stelle wieder her… ${percent}`,
  cancel: 'Abbrechen',
  backupNow: 'Jetzt sichern',
  backupPlan: (plan) => `„${plan}“ jetzt sichern`,
  pause: 'Sicherungen pausieren',
  pause1h: 'Für 1 Stunde',
  pause4h: 'Für 4 Stunden',
  pauseTomorrow: 'Bis morgen',
  pausedUntil: (when) => `Pausiert bis ${when}`,
  resume: 'Sicherungen fortsetzen',
  restoreFiles: 'Dateien wiederherstellen…',
  open: 'Restray öffnen',
  quit: 'Restray beenden',
  tipOk: 'Ihre Sicherungen sind aktuell',
  tipRunning: (percent) => `Sichere… ${percent}`,
  tipPaused: (when) => `Sicherungen pausiert bis ${when}`,
  tipError: (reason) => `Letzte Sicherung fehlgeschlagen: ${reason}`,
  tipWarning: (reason) => `Bitte prüfen: ${reason}`,
  tipAtRisk: (reason) => `Gefährdet: ${reason}`,
  stale: (days) => `seit ${days} ${days === 1 ? 'Tag' : 'Tagen'} keine erfolgreiche Sicherung`,
  nBackupFailedTitle: 'Sicherung fehlgeschlagen',
  nBackupFailedBody: (plan, reason) => `„${plan}“ konnte nicht gesichert werden: ${reason}`,
  nBackupPartialTitle: 'Sicherung mit Warnungen beendet',
  nBackupPartialBody: (plan, n) =>
    `„${plan}“ wurde gesichert, aber ${n} ${n === 1 ? 'Datei konnte' : 'Dateien konnten'} nicht gelesen werden.`,
  nBackupOkTitle: 'Sicherung beendet',
  nBackupOkBody: (plan) => `„${plan}“ ist gesichert.`,
  nRestoreOkTitle: 'Wiederherstellung beendet',
  nRestoreOkBody: (n, target) => `${n} ${n === 1 ? 'Datei' : 'Dateien'} nach ${target} wiederhergestellt.`,
  nRestoreFailedTitle: 'Wiederherstellung fehlgeschlagen',
  nRestoreFailedBody: (reason) => `Die Dateien konnten nicht wiederhergestellt werden: ${reason}`,
  nOffsiteFailedTitle: 'Externe Kopie fehlgeschlagen',
  nOffsiteFailedBody: (repo, reason) => `Die externe Kopie von „${repo}“ ist fehlgeschlagen: ${reason}`,
  nOffsiteBlockedTitle: 'Externe Kopie blockiert',
  nOffsiteBlockedBody: (repo) =>
    `Der externe Pi kopiert „${repo}“ nicht mehr, weil vor Ort viele Dateien verschwunden sind. Prüfen Sie den Pi vor Ort, bevor Sie freigeben.`,
  nOffsiteLagTitle: 'Sicherung noch nicht extern',
  nOffsiteLagBody: (repo, lag) =>
    `Die neueste Sicherung von „${repo}“ ist seit ${lag} nicht auf dem externen Pi angekommen.`,
  nStaleTitle: 'Keine aktuelle Sicherung',
  nStaleBody: (plan, days) =>
    `„${plan}“ wurde seit ${days} ${days === 1 ? 'Tag' : 'Tagen'} nicht erfolgreich gesichert.`,
  nAtRiskTitle: 'Sicherungen gefährdet',
  nDetails: 'Details anzeigen',
  unknownReason: 'unbekannter Grund',
  nOffsiteForgedTitle: 'Externer Status nicht vertrauenswürdig',
  nOffsiteForgedBody: (repo, problem) =>
    `„${repo}“: ${trustProblemDe[problem]} Restray kann nicht sagen, ob Ihre Sicherungen extern liegen.`,
};

export const strings: Record<Lang, Strings> = { en, de };

/** `14:05` today, else a short date and time, in the language's conventions. */
export function formatWhen(iso: string, now: Date, lang: Lang): string {
  const d = new Date(iso);
  const sameDay = d.toDateString() === now.toDateString();
  return new Intl.DateTimeFormat(
    lang,
    sameDay ? { timeStyle: 'short' } : { dateStyle: 'medium', timeStyle: 'short' },
  ).format(d);
}

/** A duration in its largest sensible unit: `3 h`, `2 days`, `15 min`. */
export function formatDuration(seconds: number, lang: Lang): string {
  const unit = (value: number, u: 'minute' | 'hour' | 'day') =>
    new Intl.NumberFormat(lang, {
      style: 'unit',
      unit: u,
      unitDisplay: 'long',
      maximumFractionDigits: 0,
    }).format(value);
  if (seconds < 3600) return unit(Math.max(1, Math.round(seconds / 60)), 'minute');
  if (seconds < 2 * 86400) return unit(Math.round(seconds / 3600), 'hour');
  return unit(Math.round(seconds / 86400), 'day');
}

export function formatPercent(fraction: number | undefined, lang: Lang): string {
  if (fraction === undefined) return '';
  return new Intl.NumberFormat(lang, { style: 'percent', maximumFractionDigits: 0 }).format(fraction);
}

/** The chain texts' formatting (contract/chain-advice.ts) in main's conventions. */
export function adviceFormat(now: Date, lang: Lang): AdviceFormat {
  return { when: (iso) => formatWhen(iso, now, lang), duration: (sec) => formatDuration(sec, lang) };
}

/** Reason and next step as one line (tooltip, notification body). */
export function adviceLine(a: Advice): string {
  return `${a.reason} ${a.next}`;
}
