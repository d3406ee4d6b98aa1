import {
  pairingErrorText,
  parsePairingLine,
  type PairingKind,
  type PairingPayload,
} from '../../../contract/pairing-line.js';
import { PiError } from '../errors.js';

/*
 * What `restray-pi setup` tells the administrator, in English and German (one place for these texts). The
 * language follows the locale environment as `restray status` does: German when LC_ALL, LC_MESSAGES or LANG
 * (first set one) starts with `de`, else English. The changes themselves are listed in provision's words.
 */

export type Lang = 'en' | 'de';

/** The language of setup's messages for this environment. */
export function setupLang(env: NodeJS.ProcessEnv): Lang {
  const locale = env.LC_ALL || env.LC_MESSAGES || env.LANG || '';
  return locale.toLowerCase().startsWith('de') ? 'de' : 'en';
}

const en = {
  nothing: 'Nothing to change: this step is done.',
  would: 'would ',
  thisHostKey: (fp: string, host: string, port: number) =>
    `This Pi's host key is ${fp} (the offsite Pi reaches it as ${host} port ${port}): the offsite Pi shows it when the line is pasted there; compare.`,
  changes: (n: number) => `${n} change${n === 1 ? '' : 's'}:`,
  dryRun: 'Dry run: nothing was changed. Run the same command without --dry-run to apply.',
  firstSyncChange: 'run the first sync (restray-pi sync: pull, verify, publish the status)',
  lineFollows: (where: string, command: string) =>
    `Paste this line on ${where}, into \`${command}\` (it holds public keys, fingerprints and names only, no secret):`,
  onsitePi: 'the onsite Pi',
  offsitePi: 'the offsite Pi',
  noLineYet: 'The line is printed once the keys exist (run without --dry-run).',
  signing: (fp: string) =>
    `Status key ${fp}: the app asks for the offsite Pi's line (or this fingerprint) to trust its status.`,
  compareHost: (fp: string, host: string, port: number) =>
    `Onsite Pi ${host} port ${port}, host key ${fp}: compare it with what \`setup onsite\` printed there.`,
  hostKeyFingerprintMismatch:
    "The line's host key and its fingerprint do not match: make the onsite Pi's line again.",
  hostKeyOther: (host: string, port: number, fp: string) =>
    `${host} port ${port} answers with another host key (${fp}) than the line names: nothing was changed.`,
  hostKeyHint:
    'Check --host/--port of `setup onsite` and that this is the right onsite Pi; never pin a key you have not compared.',
  hostUnreachable: (host: string, port: number) =>
    `${host} port ${port} does not answer: nothing was changed.`,
  hostUnreachableHint: 'Start the onsite Pi and check its name or address, then run this again.',
  noKeys: (dir: string) => `No pairing keys in ${dir}: run \`sudo restray-pi setup offsite\` first.`,
  signingDiffers: (path: string) =>
    `${path} holds another status signing key than the one in the offsite line: nothing was changed.`,
  signingDiffersHint:
    'Use another --keys set for this repository, or move the old key away if it is no longer pinned.',
  pullKeyTaken: (repo: string) =>
    `The offsite Pi's pull key already reads the repository ${repo}; one key set serves one repository on this Pi.`,
  pullKeyTakenHint:
    'On the offsite Pi: sudo restray-pi setup offsite --keys <new name>, then paste that line here.',
  manyNames: 'The workstation lines name different repositories; give one --offsite line per repository run.',
  modes: (name: string) =>
    `The workstation lines for ${name} differ in mode, account or folder: make them again in the app with the same settings.`,
  outsideRepos: (path: string, under: string) =>
    `The workstation line's folder ${path} is not inside ${under}: choose a folder there in the app, or give --repos-under.`,
  needsWorkstation: 'setup onsite needs at least one --workstation line (the app shows it).',
  firstSync: 'First sync (the timers run the next ones):',
  firstSyncFailed: (code: number) =>
    `The first sync did not finish (exit ${code}); the timers retry. See \`restray-pi status --config …\`.`,
  synced: (gen: string) => `First verified generation: ${gen}.`,
  reloadSshd: 'Reload sshd to apply the drop-in: systemctl reload ssh',
  usage:
    'usage: restray-pi setup offsite [--onsite LINE] | setup onsite --workstation LINE [--offsite LINE] (see --help)',
};

const de: typeof en = {
  nothing: 'Nichts zu ändern: dieser Schritt ist erledigt.',
  would: '(Probelauf) ',
  thisHostKey: (fp, host, port) =>
    `Der Host-Schlüssel dieses Pi ist ${fp} (der externe Pi erreicht ihn als ${host} Port ${port}): der externe Pi zeigt ihn, wenn die Zeile dort eingefügt wird; vergleichen.`,
  changes: (n) => `${n} Änderung${n === 1 ? '' : 'en'}:`,
  dryRun: 'Probelauf: nichts wurde geändert. Denselben Befehl ohne --dry-run ausführen, um anzuwenden.',
  firstSyncChange: 'den ersten Abgleich ausführen (restray-pi sync: abholen, prüfen, Status veröffentlichen)',
  lineFollows: (where, command) =>
    `Diese Zeile auf ${where} in \`${command}\` einfügen (sie enthält nur öffentliche Schlüssel, Fingerabdrücke und Namen, kein Geheimnis):`,
  onsitePi: 'dem Pi vor Ort',
  offsitePi: 'dem externen Pi',
  noLineYet: 'Die Zeile erscheint, sobald die Schlüssel existieren (ohne --dry-run ausführen).',
  signing: (fp) =>
    `Statusschlüssel ${fp}: die App fragt nach der Zeile des externen Pi (oder diesem Fingerabdruck), um seinem Status zu trauen.`,
  compareHost: (fp, host, port) =>
    `Pi vor Ort ${host} Port ${port}, Host-Schlüssel ${fp}: mit der Ausgabe von \`setup onsite\` dort vergleichen.`,
  hostKeyFingerprintMismatch:
    'Host-Schlüssel und Fingerabdruck der Zeile passen nicht zusammen: die Zeile des Pi vor Ort neu erzeugen.',
  hostKeyOther: (host, port, fp) =>
    `${host} Port ${port} antwortet mit einem anderen Host-Schlüssel (${fp}) als die Zeile nennt: nichts wurde geändert.`,
  hostKeyHint:
    '--host/--port von `setup onsite` prüfen und ob das der richtige Pi vor Ort ist; nie einen unverglichenen Schlüssel übernehmen.',
  hostUnreachable: (host, port) => `${host} Port ${port} antwortet nicht: nichts wurde geändert.`,
  hostUnreachableHint: 'Den Pi vor Ort einschalten, Namen oder Adresse prüfen und dies wiederholen.',
  noKeys: (dir) => `Keine Kopplungsschlüssel in ${dir}: zuerst \`sudo restray-pi setup offsite\` ausführen.`,
  signingDiffers: (path) =>
    `${path} enthält einen anderen Status-Signaturschlüssel als die Zeile des externen Pi: nichts wurde geändert.`,
  signingDiffersHint:
    'Für dieses Repository einen anderen Schlüsselsatz (--keys) nehmen oder den alten Schlüssel wegräumen, wenn ihn keine App mehr erwartet.',
  pullKeyTaken: (repo) =>
    `Der Abholschlüssel des externen Pi liest schon das Repository ${repo}; ein Schlüsselsatz dient einem Repository auf diesem Pi.`,
  pullKeyTakenHint:
    'Auf dem externen Pi: sudo restray-pi setup offsite --keys <neuer Name>, dann diese Zeile hier einfügen.',
  manyNames:
    'Die Zeilen der Arbeitsplätze nennen verschiedene Repositories; eine --offsite-Zeile je Repository und Aufruf.',
  modes: (name) =>
    `Die Zeilen der Arbeitsplätze für ${name} unterscheiden sich in Modus, Konto oder Ordner: in der App mit denselben Einstellungen neu erzeugen.`,
  outsideRepos: (path, under) =>
    `Der Ordner ${path} aus der Zeile des Arbeitsplatzes liegt nicht in ${under}: in der App einen Ordner dort wählen oder --repos-under angeben.`,
  needsWorkstation: 'setup onsite braucht mindestens eine --workstation-Zeile (die App zeigt sie).',
  firstSync: 'Erster Abgleich (die Timer machen die nächsten):',
  firstSyncFailed: (code) =>
    `Der erste Abgleich ist nicht fertig geworden (Exit ${code}); die Timer versuchen es wieder. Siehe \`restray-pi status --config …\`.`,
  synced: (gen) => `Erste geprüfte Generation: ${gen}.`,
  reloadSshd: 'sshd neu laden, damit die Drop-in-Datei gilt: systemctl reload ssh',
  usage:
    'Aufruf: restray-pi setup offsite [--onsite ZEILE] | setup onsite --workstation ZEILE [--offsite ZEILE] (siehe --help)',
};

/** The texts in the language. */
export function texts(lang: Lang): typeof en {
  return lang === 'de' ? de : en;
}

/**
 * Parses a pasted line or throws PiError `invalid-argument` with the reason in the language, naming the flag;
 * nothing has been changed when it throws (every setup step parses all its lines before it plans).
 */
export function readLine<K extends PairingKind>(
  text: string,
  kind: K,
  flag: string,
  lang: Lang,
): PairingPayload<K> {
  const r = parsePairingLine(text, kind);
  if (r.ok) return r.payload;
  throw new PiError('invalid-argument', `${flag}: ${pairingErrorText(r, kind, lang)}`);
}
