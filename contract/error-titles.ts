import type { ErrorKind } from './errors.js';

/**
 * The short title of each error kind, in English and German: the app's error notes (renderer i18n) and the CLI's
 * German lines (cli/error-text.ts, before a sentence that has no translation) show the same words. Pure.
 */
export const ERROR_TITLES: Record<'en' | 'de', Record<ErrorKind, string>> = {
  en: {
    'repo-not-found': 'No repository there',
    'repo-exists': 'A repository already exists there',
    'wrong-password': 'Wrong password',
    locked: 'Repository is busy',
    network: 'Connection problem',
    'host-key-mismatch': 'The Pi’s identity changed',
    'host-key-unknown': 'The Pi is not confirmed yet',
    'permission-denied': 'Access denied',
    'append-only': 'Not allowed on an append-only target',
    'no-space': 'Disk full',
    'restic-missing': 'restic is missing',
    cancelled: 'Cancelled',
    'keychain-unavailable': 'No keychain available',
    'keychain-locked': 'Keychain is locked',
    'secret-missing': 'Password not stored',
    'invalid-config': 'Invalid setting',
    'invalid-argument': 'Invalid input',
    'not-found': 'Not found',
    failed: 'Something went wrong',
  },
  de: {
    'repo-not-found': 'Dort ist kein Repository',
    'repo-exists': 'Dort gibt es schon ein Repository',
    'wrong-password': 'Falsches Passwort',
    locked: 'Repository ist belegt',
    network: 'Verbindungsproblem',
    'host-key-mismatch': 'Die Identität des Pi hat sich geändert',
    'host-key-unknown': 'Der Pi ist noch nicht bestätigt',
    'permission-denied': 'Zugriff verweigert',
    'append-only': 'Auf einem Nur-Anhängen-Ziel nicht erlaubt',
    'no-space': 'Datenträger voll',
    'restic-missing': 'restic fehlt',
    cancelled: 'Abgebrochen',
    'keychain-unavailable': 'Kein Schlüsselbund verfügbar',
    'keychain-locked': 'Schlüsselbund ist gesperrt',
    'secret-missing': 'Passwort nicht gespeichert',
    'invalid-config': 'Ungültige Einstellung',
    'invalid-argument': 'Ungültige Eingabe',
    'not-found': 'Nicht gefunden',
    failed: 'Etwas ist schiefgegangen',
  },
};
