import type { JobKind } from '../contract/app-state.js';
import type { CliLang } from './cli-lang.js';

// The CLI's own sentences in English and German (errors: error-text.ts; `status`: commands/status.ts; the
// daemon service: commands/daemon-install.ts). JSON output is never translated.

const JOB_DE: Record<JobKind, string> = {
  backup: 'Sicherung',
  forget: 'Aufräumen',
  prune: 'Bereinigung',
  check: 'Prüfung',
  restore: 'Wiederherstellung',
  drill: 'Wiederherstellungstest',
};

const en = {
  cancelling: 'Cancelling… (press Ctrl-C again to stop at once)',
  stoppingNow: 'Stopping at once…',
  saved: (
    id: string,
    files: number,
    bytes: string,
    fresh: number,
    changed: number,
    added: string,
    took: string,
  ) =>
    `Snapshot ${id} saved: ${files} files, ${bytes} (${fresh} new, ${changed} changed, ${added} added) in ${took}.`,
  unchanged: (id: string, files: number, bytes: string, took: string) =>
    `Nothing changed since snapshot ${id} (${files} files, ${bytes} checked in ${took}): no new snapshot needed; it stays the newest.`,
  partial: 'restray: some files could not be read; the snapshot exists without them:',
  unrecorded: (kind: JobKind, problem: string) =>
    `restray: the ${kind} finished, but its run could not be recorded: ${problem}`,
  notRecorded: (problem: string) => `(Not recorded: ${problem})`,
  snapshotCount: (n: number) => `${n} snapshot(s)`,
  keep: 'keep',
  wouldRemove: 'would remove',
  removed: 'removed',
  checkFine: (repo: string) => `Repository "${repo}" is fine.`,
  restored: (files: number, bytes: string) =>
    `Restored ${files} ${files === 1 ? 'file' : 'files'} (${bytes})`,
  restoredPlain: 'Restored',
  into: (what: string, target: string, offsite: boolean) =>
    `${what} into ${target}${offsite ? ' from the offsite Pi' : ''}.`,
  repoAdded: (name: string, init: boolean) =>
    `Repository "${name}" added${init ? ' and initialised' : ''}; its password is in the keychain.`,
  repoAddedNotThere: (name: string) =>
    `Repository "${name}" added; there is no repository at that place yet: create it with \`restray repo init ${name}\`. Its password is in the keychain.`,
  repoInitialised: (name: string) => `Repository "${name}" initialised.`,
  planSaved: (name: string) => `Plan "${name}" saved.`,
  jobFailed: 'The job failed.',
};

const de: typeof en = {
  cancelling: 'Wird abgebrochen… (Strg-C noch einmal: sofort anhalten)',
  stoppingNow: 'Wird sofort angehalten…',
  saved: (id, files, bytes, fresh, changed, added, took) =>
    `Sicherungsstand ${id} gespeichert: ${files} Dateien, ${bytes} (${fresh} neu, ${changed} geändert, ${added} hinzugefügt) in ${took}.`,
  unchanged: (id, files, bytes, took) =>
    `Seit Sicherungsstand ${id} hat sich nichts geändert (${files} Dateien, ${bytes} in ${took} geprüft): kein neuer Sicherungsstand nötig; er bleibt der neueste.`,
  partial: 'restray: einige Dateien ließen sich nicht lesen; der Sicherungsstand enthält sie nicht:',
  unrecorded: (kind, problem) =>
    `restray: ${JOB_DE[kind]} beendet, aber der Lauf konnte nicht aufgezeichnet werden: ${problem}`,
  notRecorded: (problem) => `(Nicht aufgezeichnet: ${problem})`,
  snapshotCount: (n) => `${n} ${n === 1 ? 'Sicherungsstand' : 'Sicherungsstände'}`,
  keep: 'behalten',
  wouldRemove: 'würde entfernen',
  removed: 'entfernt',
  checkFine: (repo) => `Repository „${repo}“ ist in Ordnung.`,
  restored: (files, bytes) => `${files} ${files === 1 ? 'Datei' : 'Dateien'} (${bytes}) wiederhergestellt`,
  restoredPlain: 'Wiederhergestellt',
  into: (what, target, offsite) => `${what} nach ${target}${offsite ? ' vom externen Pi' : ''}.`,
  repoAdded: (name, init) =>
    `Repository „${name}“ hinzugefügt${init ? ' und angelegt' : ''}; sein Passwort liegt im Schlüsselbund.`,
  repoAddedNotThere: (name) =>
    `Repository „${name}“ hinzugefügt; an diesem Ort gibt es noch kein Repository: legen Sie es mit \`restray repo init ${name}\` an. Sein Passwort liegt im Schlüsselbund.`,
  repoInitialised: (name) => `Repository „${name}“ angelegt.`,
  planSaved: (name) => `Plan „${name}“ gespeichert.`,
  jobFailed: 'Der Auftrag ist fehlgeschlagen.',
};

/** The CLI's sentences in `lang` (English when unset). */
export function cliText(lang: CliLang | undefined): typeof en {
  return lang === 'de' ? de : en;
}
