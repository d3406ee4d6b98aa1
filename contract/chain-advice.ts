import type { BackupRisk, ChainStatus, HopState, RunRecord } from './app-state.js';
import type { ErrorInfo, ErrorKind } from './errors.js';

/**
 * Why a chain is not ok and what to do next, in English and German: one place for these texts, so the dashboard
 * hop cards, the tray tooltip, notifications and `restray status` say the same thing. Pure (no Node, no DOM):
 * each caller passes its own date and duration formatting. Raw detail from the engine (restic's or ssh's
 * message, kept in `reason`) is English; it is shown in parentheses after the translated sentence.
 */
export type AdviceLang = 'en' | 'de';

export interface Advice {
  /** What is wrong, one or two sentences. */
  reason: string;
  /** The next step, one sentence. */
  next: string;
}

/** How the caller writes a time (`09:47`, `3 Dec, 09:47`) and a duration (`3 hours`) in the language. */
export interface AdviceFormat {
  when: (iso: string) => string;
  duration: (seconds: number) => string;
}

export type HopName = 'workstation' | 'onsite' | 'offsite';

type Texts = {
  unknownCause: string;
  cause: Partial<Record<ErrorKind, string>>;
  fix: Partial<Record<ErrorKind, string>> & { default: string };
  failedSince: (plan: string, when: string, cause: string) => string;
  tooOldScheduled: (plan: string, age: string, limit: string) => string;
  tooOldManual: (plan: string, age: string, limit: string) => string;
  nextScheduled: string;
  nextManual: string;
  workstationFailed: (detail: string) => string;
  onsiteUnreachable: (detail: string) => string;
  nextOnsiteUnreachable: string;
  onsiteFailed: (detail: string) => string;
  nextOnsiteFailed: string;
  onsiteUnknown: string;
  nextOnsiteUnknown: string;
  offsiteBlocked: (detail: string) => string;
  nextOffsiteBlocked: string;
  offsiteFailed: (detail: string) => string;
  nextOffsiteFailed: string;
  offsiteBehind: (count: number, lag: string) => string;
  nextOffsiteBehind: string;
  offsiteUnreachable: (detail: string) => string;
  nextOffsiteUnreachable: string;
  offsiteUnknown: (detail: string) => string;
  nextOffsiteUnknown: string;
  missingOffsite: (count: number, paths: string) => string;
  nextMissingOffsite: string;
  setAsideUnchecked: (count: number, detail: string) => string;
  nextSetAsideUnchecked: string;
  setAsideNote: (count: number) => string;
};

const en: Texts = {
  unknownCause: 'the reason is not known',
  cause: {
    'no-space': 'the backup disk is full',
    network: 'the onsite Pi does not answer',
    locked: 'the repository is locked by another operation',
    'wrong-password': 'the password does not open the repository',
    'secret-missing': 'no password is stored in the keychain',
    'keychain-locked': 'the keychain is locked',
    'keychain-unavailable': 'no keychain is available',
    'host-key-mismatch': 'the Pi’s host key has changed',
    'permission-denied': 'the Pi refused this computer’s key',
    'repo-not-found': 'the repository was not found',
    'restic-missing': 'restic is not installed',
  },
  fix: {
    'no-space':
      'Free space where the backups are stored (let the Pi’s maintenance prune old snapshots, or add a disk), then back up now.',
    network: 'Check that the onsite Pi is switched on and connected, then back up now.',
    locked: 'Wait for the Pi’s maintenance to finish; the next scheduled backup tries again.',
    'wrong-password':
      'Enter the repository password again in Restray (it is on your recovery sheet), then back up now.',
    'secret-missing':
      'Enter the repository password in Restray (it is on your recovery sheet), then back up now.',
    'keychain-locked': 'Unlock your keychain (log in again), then back up now.',
    'host-key-mismatch':
      'Do not back up there until you know why: compare the Pi’s host key with the fingerprint shown at setup.',
    'restic-missing': 'Install restic (or set its path in the settings), then back up now.',
    default: 'Open the run’s log for the cause, fix it, then back up now.',
  },
  failedSince: (plan, when, cause) => `Backups of “${plan}” have failed since ${when}: ${cause}.`,
  tooOldScheduled: (plan, age, limit) =>
    `The newest backup of “${plan}” is ${age} old; its schedule allows ${limit}.`,
  tooOldManual: (plan, age, limit) =>
    `The newest backup of “${plan}” is ${age} old; the plan has no schedule and allows ${limit}.`,
  nextScheduled:
    'Back up now; if scheduled backups do not start, check that Restray runs and backups are not paused.',
  nextManual: 'Back up now, or give the plan a schedule.',
  workstationFailed: (d) => `The last backup failed${d}.`,
  onsiteUnreachable: (d) => `The onsite Pi does not answer${d}.`,
  nextOnsiteUnreachable:
    'Check that the onsite Pi is switched on and connected to the network; Restray checks again every 10 minutes.',
  onsiteFailed: (d) => `The onsite repository reports a problem${d}.`,
  nextOnsiteFailed: 'Open the newest run’s log or run `restray status` for details, then back up now.',
  onsiteUnknown: 'The onsite Pi has not been checked yet.',
  nextOnsiteUnknown: 'Wait for the next check (every 10 minutes) or run `restray status`.',
  offsiteBlocked: (d) => `The offsite Pi stopped copying: the onsite repository changed suspiciously${d}.`,
  nextOffsiteBlocked:
    'First check on the onsite Pi that you made this change yourself (a large prune, a new key) and nobody else did; only then run `sudo restray-pi approve` on the offsite Pi (then `sudo restray-pi sync` to copy at once).',
  offsiteFailed: (d) => `The offsite Pi’s last copy failed${d}.`,
  nextOffsiteFailed:
    'On the offsite Pi, run `sudo restray-pi status` to see why, fix the cause, then run `sudo restray-pi sync`.',
  offsiteBehind: (n, lag) =>
    `${n} ${n === 1 ? 'snapshot has' : 'snapshots have'} not reached the offsite Pi for ${lag}.`,
  nextOffsiteBehind:
    'Check that the offsite Pi is on and can reach the onsite Pi: run `sudo restray-pi status` on the offsite Pi.',
  offsiteUnreachable: (d) => `The offsite status could not be read${d}.`,
  nextOffsiteUnreachable:
    'Check that the onsite Pi (it relays the status) and the offsite Pi are on; until the status can be read, Restray does not call the backup safe.',
  offsiteUnknown: (d) => `The offsite status is missing or cannot be trusted${d}.`,
  nextOffsiteUnknown:
    'Run `sudo restray-pi status` on the offsite Pi; until its status is confirmed, Restray does not call the backup safe.',
  missingOffsite: (n, paths) =>
    `The offsite copy of your newest backup is missing data: the offsite Pi set aside ${n} damaged ${n === 1 ? 'file' : 'files'} it needs${paths ? ` (affected: ${paths})` : ''}.`,
  nextMissingOffsite:
    'Do not rely on the offsite copy of this backup. Check the repository on the onsite Pi (`restic check --read-data`); once the damaged files are removed and the index is rebuilt (`restic rebuild-index`), back up now so that the missing data is stored and copied offsite again.',
  setAsideUnchecked: (n, d) =>
    `The offsite Pi set aside ${n} ${n === 1 ? 'file' : 'files'} from the copy of your newest backup; whether the backup needs ${n === 1 ? 'it' : 'them'} could not be checked yet${d}.`,
  nextSetAsideUnchecked:
    'Restray asks restic again at the next check (every 10 minutes); it needs the repository password in the keychain and the onsite Pi or the offsite Pi’s restore access.',
  setAsideNote: (n) => `The offsite Pi set aside ${n} unrelated ${n === 1 ? 'file' : 'files'}.`,
};

const de: Texts = {
  unknownCause: 'der Grund ist unbekannt',
  cause: {
    'no-space': 'der Sicherungsspeicher ist voll',
    network: 'der Pi vor Ort antwortet nicht',
    locked: 'das Repository ist durch einen anderen Vorgang gesperrt',
    'wrong-password': 'das Passwort öffnet das Repository nicht',
    'secret-missing': 'im Schlüsselbund ist kein Passwort gespeichert',
    'keychain-locked': 'der Schlüsselbund ist gesperrt',
    'keychain-unavailable': 'kein Schlüsselbund verfügbar',
    'host-key-mismatch': 'der Host-Schlüssel des Pi hat sich geändert',
    'permission-denied': 'der Pi hat den Schlüssel dieses Computers abgelehnt',
    'repo-not-found': 'das Repository wurde nicht gefunden',
    'restic-missing': 'restic ist nicht installiert',
  },
  fix: {
    'no-space':
      'Schaffen Sie Platz am Sicherungsort (alte Sicherungen von der Wartung des Pi aufräumen lassen oder einen Datenträger ergänzen) und sichern Sie dann erneut.',
    network: 'Prüfen Sie, ob der Pi vor Ort eingeschaltet und verbunden ist, und sichern Sie dann erneut.',
    locked:
      'Warten Sie, bis die Wartung auf dem Pi fertig ist; die nächste geplante Sicherung versucht es erneut.',
    'wrong-password':
      'Geben Sie das Repository-Passwort in Restray erneut ein (es steht auf Ihrem Wiederherstellungsblatt) und sichern Sie dann erneut.',
    'secret-missing':
      'Geben Sie das Repository-Passwort in Restray ein (es steht auf Ihrem Wiederherstellungsblatt) und sichern Sie dann erneut.',
    'keychain-locked': 'Entsperren Sie Ihren Schlüsselbund (neu anmelden) und sichern Sie dann erneut.',
    'host-key-mismatch':
      'Sichern Sie dort nicht, bis Sie den Grund kennen: Vergleichen Sie den Host-Schlüssel des Pi mit dem Fingerabdruck aus der Einrichtung.',
    'restic-missing':
      'Installieren Sie restic (oder geben Sie seinen Pfad in den Einstellungen an) und sichern Sie dann erneut.',
    default: 'Öffnen Sie das Protokoll des Laufs, beheben Sie die Ursache und sichern Sie dann erneut.',
  },
  failedSince: (plan, when, cause) => `Sicherungen von „${plan}“ schlagen seit ${when} fehl: ${cause}.`,
  tooOldScheduled: (plan, age, limit) =>
    `Die neueste Sicherung von „${plan}“ ist ${age} alt; ihr Zeitplan erlaubt ${limit}.`,
  tooOldManual: (plan, age, limit) =>
    `Die neueste Sicherung von „${plan}“ ist ${age} alt; der Plan hat keinen Zeitplan und erlaubt ${limit}.`,
  nextScheduled:
    'Sichern Sie jetzt; starten geplante Sicherungen nicht, prüfen Sie, ob Restray läuft und Sicherungen nicht pausiert sind.',
  nextManual: 'Sichern Sie jetzt oder geben Sie dem Plan einen Zeitplan.',
  workstationFailed: (d) => `Die letzte Sicherung ist fehlgeschlagen${d}.`,
  onsiteUnreachable: (d) => `Der Pi vor Ort antwortet nicht${d}.`,
  nextOnsiteUnreachable:
    'Prüfen Sie, ob der Pi vor Ort eingeschaltet und mit dem Netz verbunden ist; Restray prüft alle 10 Minuten erneut.',
  onsiteFailed: (d) => `Das Repository vor Ort meldet ein Problem${d}.`,
  nextOnsiteFailed:
    'Öffnen Sie das Protokoll des letzten Laufs oder führen Sie `restray status` aus und sichern Sie dann erneut.',
  onsiteUnknown: 'Der Pi vor Ort wurde noch nicht geprüft.',
  nextOnsiteUnknown:
    'Warten Sie auf die nächste Prüfung (alle 10 Minuten) oder führen Sie `restray status` aus.',
  offsiteBlocked: (d) =>
    `Der externe Pi kopiert nicht mehr: Das Repository vor Ort hat sich verdächtig verändert${d}.`,
  nextOffsiteBlocked:
    'Prüfen Sie zuerst auf dem Pi vor Ort, ob Sie diese Änderung selbst vorgenommen haben (großes Aufräumen, neuer Schlüssel) und niemand sonst; erst dann auf dem externen Pi `sudo restray-pi approve` ausführen (danach `sudo restray-pi sync`, um sofort zu kopieren).',
  offsiteFailed: (d) => `Die letzte Kopie des externen Pi ist fehlgeschlagen${d}.`,
  nextOffsiteFailed:
    'Führen Sie auf dem externen Pi `sudo restray-pi status` aus, beheben Sie die Ursache und starten Sie dann `sudo restray-pi sync`.',
  offsiteBehind: (n, lag) =>
    `${n} ${n === 1 ? 'Sicherung ist' : 'Sicherungen sind'} seit ${lag} nicht auf dem externen Pi angekommen.`,
  nextOffsiteBehind:
    'Prüfen Sie, ob der externe Pi läuft und den Pi vor Ort erreicht: `sudo restray-pi status` auf dem externen Pi.',
  offsiteUnreachable: (d) => `Der externe Status konnte nicht gelesen werden${d}.`,
  nextOffsiteUnreachable:
    'Prüfen Sie, ob der Pi vor Ort (er gibt den Status weiter) und der externe Pi laufen; solange der Status nicht lesbar ist, gilt die Sicherung nicht als sicher.',
  offsiteUnknown: (d) => `Der externe Status fehlt oder ist nicht vertrauenswürdig${d}.`,
  nextOffsiteUnknown:
    'Führen Sie auf dem externen Pi `sudo restray-pi status` aus; bis sein Status bestätigt ist, gilt die Sicherung nicht als sicher.',
  missingOffsite: (n, paths) =>
    `Der externen Kopie Ihrer neuesten Sicherung fehlen Daten: Der externe Pi hat ${n} beschädigte ${n === 1 ? 'Datei' : 'Dateien'} beiseitegelegt, die sie braucht${paths ? ` (betroffen: ${paths})` : ''}.`,
  nextMissingOffsite:
    'Verlassen Sie sich nicht auf die externe Kopie dieser Sicherung. Prüfen Sie das Repository auf dem Pi vor Ort (`restic check --read-data`); sind die beschädigten Dateien entfernt und ist der Index neu aufgebaut (`restic rebuild-index`), sichern Sie jetzt, damit die fehlenden Daten wieder gespeichert und extern kopiert werden.',
  setAsideUnchecked: (n, d) =>
    `Der externe Pi hat ${n} ${n === 1 ? 'Datei' : 'Dateien'} aus der Kopie Ihrer neuesten Sicherung beiseitegelegt; ob die Sicherung sie braucht, konnte noch nicht geprüft werden${d}.`,
  nextSetAsideUnchecked:
    'Restray fragt restic bei der nächsten Prüfung erneut (alle 10 Minuten); dafür braucht es das Repository-Passwort im Schlüsselbund und den Pi vor Ort oder den Wiederherstellungszugang des externen Pi.',
  setAsideNote: (n) =>
    `Der externe Pi hat ${n} nicht benötigte ${n === 1 ? 'Datei' : 'Dateien'} beiseitegelegt.`,
};

const TEXTS: Record<AdviceLang, Texts> = { en, de };

/** Raw detail as a parenthesis after a sentence: ` (disk full)`; empty when there is none. */
function detail(reason: string | undefined): string {
  const d = reason?.trim().replace(/[.\s]+$/, '');
  return d ? ` (${d})` : '';
}

function cause(t: Texts, error: ErrorInfo | undefined): string {
  if (!error) return t.unknownCause;
  return t.cause[error.kind] ?? error.message.trim().replace(/[.\s]+$/, '');
}

/** The at-risk verdict in words: "Backups of “home” have failed since 09:47: the backup disk is full." */
export function riskAdvice(risk: BackupRisk, lang: AdviceLang, fmt: AdviceFormat): Advice {
  const t = TEXTS[lang];
  if (risk.cause === 'missing-offsite')
    return {
      reason: t.missingOffsite(risk.missingFiles ?? 1, (risk.paths ?? []).join(', ')),
      next: t.nextMissingOffsite,
    };
  const plan = risk.plan ?? '?';
  if (risk.cause === 'failed') {
    return {
      reason: t.failedSince(plan, risk.since ? fmt.when(risk.since) : '?', cause(t, risk.error)),
      next: (risk.error && t.fix[risk.error.kind]) ?? t.fix.default,
    };
  }
  const age = fmt.duration(risk.ageSeconds ?? 0);
  const limit = fmt.duration(risk.limitSeconds ?? 0);
  return risk.scheduled
    ? { reason: t.tooOldScheduled(plan, age, limit), next: t.nextScheduled }
    : { reason: t.tooOldManual(plan, age, limit), next: t.nextManual };
}

/**
 * The workstation hop's state for a hop card: `failed` when this computer's backups fail (or the last one
 * failed, unless the at-risk verdict blames the onsite Pi), `behind` when they are too old, `ok` after a
 * success, else `unknown`.
 */
export function workstationState(chain: ChainStatus): HopState {
  const r = chain.risk;
  if (r?.hop === 'workstation') return r.cause === 'failed' ? 'failed' : 'behind';
  // The fault is the Pi's (network, full disk, …): its card says so, this computer's does not.
  if (chain.workstation.lastResult === 'failed' && r?.hop !== 'onsite') return 'failed';
  return chain.workstation.lastSuccess ? 'ok' : 'unknown';
}

/**
 * Reason and next step for one hop of a chain, or undefined when the hop is ok or not configured. A hop the
 * at-risk verdict blames speaks with the risk's words.
 */
export function hopAdvice(
  chain: ChainStatus,
  hop: HopName,
  lang: AdviceLang,
  fmt: AdviceFormat,
): Advice | undefined {
  const t = TEXTS[lang];
  if (chain.risk?.hop === hop) return riskAdvice(chain.risk, lang, fmt);
  if (hop === 'workstation') {
    return workstationState(chain) === 'failed'
      ? { reason: t.workstationFailed(''), next: t.fix.default }
      : undefined;
  }
  if (hop === 'onsite') {
    const o = chain.onsite;
    switch (o.state) {
      case 'unreachable':
        return { reason: t.onsiteUnreachable(detail(o.reason)), next: t.nextOnsiteUnreachable };
      case 'unknown':
        return { reason: t.onsiteUnknown, next: t.nextOnsiteUnknown };
      case 'ok':
      case 'not-configured':
        return undefined;
      default:
        return { reason: t.onsiteFailed(detail(o.reason)), next: t.nextOnsiteFailed };
    }
  }
  const o = chain.offsite;
  const aside = o.setAside;
  if (aside && aside.needed !== undefined && aside.needed > 0 && o.state === 'failed')
    return { reason: t.missingOffsite(aside.needed, ''), next: t.nextMissingOffsite };
  if (aside && aside.needed === undefined && o.state === 'unknown')
    return { reason: t.setAsideUnchecked(aside.files, detail(o.reason)), next: t.nextSetAsideUnchecked };
  switch (o.state) {
    case 'blocked':
      return { reason: t.offsiteBlocked(detail(o.reason)), next: t.nextOffsiteBlocked };
    case 'failed':
      return { reason: t.offsiteFailed(detail(o.reason)), next: t.nextOffsiteFailed };
    case 'behind':
      return {
        reason: t.offsiteBehind(o.snapshotsBehind ?? 0, fmt.duration(o.lagSeconds ?? 0)),
        next: t.nextOffsiteBehind,
      };
    case 'unreachable':
      return { reason: t.offsiteUnreachable(detail(o.reason)), next: t.nextOffsiteUnreachable };
    case 'unknown':
      return { reason: t.offsiteUnknown(detail(o.reason)), next: t.nextOffsiteUnknown };
    case 'ok':
    case 'not-configured':
      return undefined;
  }
}

/**
 * The one thing to say about a chain: the at-risk reason when its backups are not current, else the first hop
 * that is not ok (offsite blocked or failed first, then onsite, then the other offsite states), else undefined.
 */
export function chainAdvice(chain: ChainStatus, lang: AdviceLang, fmt: AdviceFormat): Advice | undefined {
  if (chain.risk) return riskAdvice(chain.risk, lang, fmt);
  if (chain.offsite.state === 'blocked' || chain.offsite.state === 'failed')
    return hopAdvice(chain, 'offsite', lang, fmt);
  return (
    hopAdvice(chain, 'workstation', lang, fmt) ??
    hopAdvice(chain, 'onsite', lang, fmt) ??
    hopAdvice(chain, 'offsite', lang, fmt)
  );
}

/**
 * The note a safe chain carries when the offsite Pi set aside files its newest snapshot does not need:
 * "The offsite Pi set aside 2 unrelated files." undefined otherwise.
 */
export function safeNote(chain: ChainStatus, lang: AdviceLang): string | undefined {
  const a = chain.offsite.setAside;
  if (chain.verdict !== 'safe' || !a || a.needed !== 0 || a.files === 0) return undefined;
  return TEXTS[lang].setAsideNote(a.files);
}

// ---- restore drills (issue 12) ---------------------------------------------------------------------------

type DrillTexts = {
  copy: Record<'offsite' | 'onsite', string>;
  problem: Record<DrillProblem, string>;
  failed: (copy: string, path: string, problem: string, more: number) => string;
  nextFailedOffsite: string;
  nextFailedOnsite: string;
  notRun: (copy: string, detail: string) => string;
  nextNotRun: string;
};

type DrillProblem = NonNullable<RunRecord['drill']>['failures'][number]['problem'];

const drillTexts: Record<AdviceLang, DrillTexts> = {
  en: {
    copy: { offsite: 'the offsite Pi', onsite: 'the onsite Pi' },
    problem: {
      unreadable: 'could not be restored',
      missing: 'was missing after the restore',
      size: 'came back with the wrong size',
      content: 'came back with different bytes',
    },
    failed: (copy, path, problem, more) =>
      `The restore test from ${copy} failed: “${path}” ${problem}${more ? ` (and ${more} more ${more === 1 ? 'file' : 'files'})` : ''}.`,
    nextFailedOffsite:
      'On the offsite Pi, run `sudo restray-pi reverify` (damaged files it finds are fetched again by the next sync), then test again with “Test a restore” or `restray drill`.',
    nextFailedOnsite:
      'Run `restray check REPO --read-data-subset 100%` to find the damage, back up again, then test again with `restray drill REPO --from onsite`.',
    notRun: (copy, d) => `The last restore test from ${copy} could not run${d}.`,
    nextNotRun:
      'Check that the Pis are on and reachable, then test again with “Test a restore” or `restray drill`.',
  },
  de: {
    copy: { offsite: 'dem externen Pi', onsite: 'dem Pi vor Ort' },
    problem: {
      unreadable: 'ließ sich nicht wiederherstellen',
      missing: 'fehlte nach der Wiederherstellung',
      size: 'kam mit falscher Größe zurück',
      content: 'kam mit anderen Daten zurück',
    },
    failed: (copy, path, problem, more) =>
      `Der Wiederherstellungstest von ${copy} ist fehlgeschlagen: „${path}“ ${problem}${more ? ` (und ${more} ${more === 1 ? 'weitere Datei' : 'weitere Dateien'})` : ''}.`,
    nextFailedOffsite:
      'Führen Sie auf dem externen Pi `sudo restray-pi reverify` aus (beschädigte Dateien, die es findet, holt die nächste Synchronisierung neu) und testen Sie dann erneut mit „Wiederherstellung testen“ oder `restray drill`.',
    nextFailedOnsite:
      'Suchen Sie den Schaden mit `restray check REPO --read-data-subset 100%`, sichern Sie erneut und testen Sie dann wieder mit `restray drill REPO --from onsite`.',
    notRun: (copy, d) => `Der letzte Wiederherstellungstest von ${copy} konnte nicht laufen${d}.`,
    nextNotRun:
      'Prüfen Sie, ob die Pis laufen und erreichbar sind, und testen Sie dann erneut mit „Wiederherstellung testen“ oder `restray drill`.',
  },
};

/**
 * Reason and next step for a repository's last restore drill (RepoState.lastDrill), or undefined when it passed
 * (or none ran yet). A drill that found damage names the first damaged file; one that could not run says why.
 */
export function drillAdvice(run: RunRecord | undefined, lang: AdviceLang): Advice | undefined {
  if (!run || run.kind !== 'drill' || run.result === 'success' || run.result === 'cancelled')
    return undefined;
  const t = drillTexts[lang];
  const d = run.drill;
  const first = d?.failures[0];
  if (d && first) {
    const next = (d.from === 'offsite' ? t.nextFailedOffsite : t.nextFailedOnsite).replaceAll(
      'REPO',
      run.repo,
    );
    return {
      reason: t.failed(t.copy[d.from], first.path, t.problem[first.problem], d.failures.length - 1),
      next,
    };
  }
  return { reason: t.notRun(t.copy[d?.from ?? 'offsite'], detail(run.error?.message)), next: t.nextNotRun };
}
