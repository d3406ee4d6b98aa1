import type { ErrorInfo } from '../contract/errors.js';
import { ERROR_TITLES } from '../contract/error-titles.js';
import type { CliLang } from './cli-lang.js';

/**
 * German for the fixed sentences of the engine's expected failures (core/restic/errors.ts resticMessages,
 * core/ssh/ssh-errors.ts, core/secrets/keytar-store.ts), keyed by the exact English text. A sentence that
 * carries details (a plan's name, restic's own words) is not here: it keeps its English text behind the
 * German title of its kind. error-text.test.ts checks that the English keys still match their sources.
 */
const SENTENCES_DE: Record<string, string> = {
  // core/restic/errors.ts
  'There is no restic repository at this location.': 'An diesem Ort ist kein restic-Repository.',
  'Check the repository location, or create the repository first.':
    'Prüfen Sie den Ort des Repositorys, oder legen Sie das Repository zuerst an.',
  'A restic repository already exists at this location.':
    'An diesem Ort gibt es schon ein restic-Repository.',
  'Connect to the existing repository with its password instead of creating a new one.':
    'Verbinden Sie sich mit seinem Passwort mit dem vorhandenen Repository, statt ein neues anzulegen.',
  'The password does not open this repository.': 'Das Passwort öffnet dieses Repository nicht.',
  "Enter the repository's password again in the settings.":
    'Geben Sie das Passwort des Repositorys in den Einstellungen erneut ein.',
  'The repository is locked by another restic process.':
    'Das Repository ist von einem anderen restic-Prozess gesperrt.',
  'Wait until the other backup or maintenance finishes; if none is running, unlock the repository.':
    'Warten Sie, bis die andere Sicherung oder Wartung fertig ist; läuft keine, entsperren Sie das Repository.',
  'The repository refused to delete data: it is append-only for this computer.':
    'Das Repository hat das Löschen verweigert: Für diesen Computer kann es nur Daten anhängen.',
  'Run forget and prune on the Pi itself (restray-pi maintain), not from this computer.':
    'Führen Sie forget und prune auf dem Pi selbst aus (restray-pi maintain), nicht von diesem Computer.',
  'The disk that holds the repository is full.': 'Der Datenträger mit dem Repository ist voll.',
  'Free space on the backup disk or the Pi, or prune old snapshots, then run the backup again.':
    'Schaffen Sie Platz auf dem Sicherungsdatenträger oder dem Pi, oder entfernen Sie alte Sicherungsstände, und sichern Sie dann erneut.',
  'restic was denied access to a file or folder it needs.':
    'restic wurde der Zugriff auf eine benötigte Datei oder einen Ordner verweigert.',
  'Check that your user may read and write the repository folder (and the restore target).':
    'Prüfen Sie, ob Ihr Benutzer den Repository-Ordner (und das Ziel der Wiederherstellung) lesen und schreiben darf.',
  'The snapshot was not found in the repository.': 'Der Sicherungsstand wurde im Repository nicht gefunden.',
  'Refresh the snapshot list: a retention policy may have removed it.':
    'Laden Sie die Liste der Sicherungsstände neu: Eine Aufbewahrungsregel hat ihn vielleicht entfernt.',
  'restic is not installed or could not be started.':
    'restic ist nicht installiert oder ließ sich nicht starten.',
  'Install restic 0.14 or newer, or set the path to restic in the settings.':
    'Installieren Sie restic 0.14 oder neuer, oder geben Sie den Pfad zu restic in den Einstellungen an.',
  'The operation was cancelled.': 'Der Vorgang wurde abgebrochen.',
  "See the run log for restic's full output.":
    'Die vollständige Ausgabe von restic steht im Protokoll des Laufs.',
  "See the run log for restic's output; the next backup will retry.":
    'Die Ausgabe von restic steht im Protokoll des Laufs; die nächste Sicherung versucht es erneut.',
  // core/ssh/ssh-errors.ts
  "The Pi's host key has changed since it was pinned at setup, so Restray refused to connect.":
    'Der Host-Schlüssel des Pi hat sich seit der Einrichtung geändert; Restray hat die Verbindung verweigert.',
  'If the Pi was reinstalled, confirm its new fingerprint in the settings; otherwise someone may be intercepting the connection.':
    'Wurde der Pi neu installiert, bestätigen Sie seinen neuen Fingerabdruck in den Einstellungen; sonst fängt vielleicht jemand die Verbindung ab.',
  "The Pi's host key is not pinned in Restray's known_hosts, so Restray refused to connect.":
    'Der Host-Schlüssel des Pi ist in Restrays known_hosts nicht hinterlegt; Restray hat die Verbindung verweigert.',
  "Run the connection setup again and confirm the Pi's fingerprint.":
    'Richten Sie die Verbindung erneut ein und bestätigen Sie den Fingerabdruck des Pi.',
  'The Pi refused the SSH key of this repository.':
    'Der Pi hat den SSH-Schlüssel dieses Repositorys abgelehnt.',
  'Authorise the key on the Pi (restray-pi provision onsite … --workstation-key) and check the user name.':
    'Erlauben Sie den Schlüssel auf dem Pi (restray-pi provision onsite … --workstation-key) und prüfen Sie den Benutzernamen.',
  'The connection to the Pi timed out.': 'Die Verbindung zum Pi ist abgelaufen.',
  'Check that the Pi is on and reachable (VPN up, cable in), then try again.':
    'Prüfen Sie, ob der Pi läuft und erreichbar ist (VPN an, Kabel drin), und versuchen Sie es erneut.',
  'The Pi refused the connection (no SSH server on that port).':
    'Der Pi hat die Verbindung abgelehnt (kein SSH-Server an diesem Port).',
  'Check the host and port, and that the SSH server runs on the Pi.':
    'Prüfen Sie Host und Port, und ob der SSH-Server auf dem Pi läuft.',
  "The Pi's host name could not be resolved.": 'Der Hostname des Pi ließ sich nicht auflösen.',
  'Check the host name, or use its IP address.':
    'Prüfen Sie den Hostnamen, oder verwenden Sie die IP-Adresse.',
  'Restray and the Pi could not agree on an SSH key exchange or cipher.':
    'Restray und der Pi konnten sich auf keinen SSH-Schlüsselaustausch und keine Verschlüsselung einigen.',
  "Update OpenSSH on the Pi, or set a KexAlgorithms entry both sides support in the Pi's sshd_config.":
    'Aktualisieren Sie OpenSSH auf dem Pi, oder setzen Sie in seiner sshd_config einen KexAlgorithms-Eintrag, den beide Seiten können.',
  'There is no network route to the Pi.': 'Es gibt keinen Netzwerkweg zum Pi.',
  'Check the network or VPN connection, then try again.':
    'Prüfen Sie das Netzwerk oder die VPN-Verbindung, und versuchen Sie es erneut.',
  'The connection to the Pi was lost.': 'Die Verbindung zum Pi ist abgebrochen.',
  'Check the network link to the Pi; the next run resumes where this one stopped.':
    'Prüfen Sie die Netzwerkverbindung zum Pi; der nächste Lauf macht dort weiter, wo dieser aufgehört hat.',
  // core/secrets/keytar-store.ts
  'The system keychain is not available, so Restray cannot read or store the repository password.':
    'Der Schlüsselbund des Systems ist nicht verfügbar; Restray kann das Passwort des Repositorys weder lesen noch speichern.',
  'The system keychain is locked, so Restray cannot read or store the repository password.':
    'Der Schlüsselbund des Systems ist gesperrt; Restray kann das Passwort des Repositorys weder lesen noch speichern.',
  'Unlock your keychain (log in to the desktop session, or unlock it in Passwords and Keys / KeePassXC), then try again.':
    'Entsperren Sie Ihren Schlüsselbund (an der Desktop-Sitzung anmelden, oder in „Passwörter und Verschlüsselung“ / KeePassXC entsperren), und versuchen Sie es erneut.',
  'The system keychain has no default keyring to store the password in.':
    'Der Schlüsselbund des Systems hat keinen Standard-Schlüsselring für das Passwort.',
};

// Sentences with a detail in them: the English shape and its German form.
const PATTERNS_DE: [RegExp, (...m: string[]) => string][] = [
  [
    /^restic failed \(exit status (\d+)\): (.*)$/s,
    (code, detail) => `restic ist fehlgeschlagen (Exit-Status ${code}): ${detail}`,
  ],
  [/^restic failed \(exit status (\d+)\)\.$/, (code) => `restic ist fehlgeschlagen (Exit-Status ${code}).`],
  [/^restic failed\.$/, () => 'restic ist fehlgeschlagen.'],
  // core/restic/errors.ts snapshotNotFound
  [
    /^Snapshot (\S+) was not found in the repository\.$/,
    (ref) => `Sicherungsstand ${ref} wurde im Repository nicht gefunden.`,
  ],
  [
    /^The system keychain did not answer within (\d+) s, so Restray cannot read or store the repository password\.$/,
    (s) =>
      `Der Schlüsselbund des Systems hat nicht innerhalb von ${s} s geantwortet; Restray kann das Passwort des Repositorys weder lesen noch speichern.`,
  ],
];

function sentenceDe(text: string): string | undefined {
  const fixed = SENTENCES_DE[text];
  if (fixed !== undefined) return fixed;
  for (const [re, de] of PATTERNS_DE) {
    const m = re.exec(text);
    if (m) return de(...m.slice(1));
  }
  return undefined;
}

/**
 * An expected failure's message and hint in the user's language. English: as the engine wrote them. German:
 * fixed sentences translated; a sentence with details that has no translation keeps its English words behind
 * the German title of its kind (as the app shows it), so nothing of what the engine said is lost. Pure.
 */
export function localizedError(info: ErrorInfo, lang: CliLang): { message: string; hint?: string } {
  if (lang === 'en') return { message: info.message, ...(info.hint ? { hint: info.hint } : {}) };
  const message = sentenceDe(info.message) ?? `${ERROR_TITLES.de[info.kind]}: ${info.message}`;
  const hint = info.hint === undefined ? undefined : (sentenceDe(info.hint) ?? info.hint);
  return { message, ...(hint ? { hint } : {}) };
}

/** The note after a bug's one line: it was unexpected, and where the details went. */
export function unexpectedNote(lang: CliLang, logged: string | undefined): string {
  if (lang === 'de') return ` (ein unerwarteter Fehler${logged ? `; Details in ${logged}` : ''})`;
  return ` (an unexpected error${logged ? `; details in ${logged}` : ''})`;
}
