import { PiError } from './errors.js';

/*
 * The checks `provision` runs on every name and path before it reads or changes anything. Names and paths end up
 * in authorized_keys lines (a newline there is a second key line without restrictions), in sshd drop-ins (a space
 * or a `%` changes what sshd reads) and in useradd's argv: only what survives all three is accepted. Pure.
 */

/** Language of provision's messages: German when the locale says so (LC_ALL, LC_MESSAGES, LANG), else English. */
export type ProvisionLang = 'en' | 'de';

/** The message language for an environment: German when LC_ALL, LC_MESSAGES or LANG (first set) starts with de. */
export function provisionLang(env: NodeJS.ProcessEnv): ProvisionLang {
  const locale = env.LC_ALL || env.LC_MESSAGES || env.LANG || '';
  return locale.toLowerCase().startsWith('de') ? 'de' : 'en';
}

/**
 * Account names as Debian's adduser accepts them for system accounts (its SYS_NAME_REGEX, without the trailing
 * `$` of Samba machine accounts), at most 32 characters (useradd's limit).
 */
export const ACCOUNT_NAME = /^[a-z_][a-z0-9_-]{0,31}$/;

/** Control characters, line breaks included: never in a name, a path or a key line. */
// eslint-disable-next-line no-control-regex
export const CONTROL = /[\u0000-\u001f\u007f]/;

type Problem = 'control' | 'relative' | 'dots' | 'sshd' | 'program' | 'account';

const text: Record<ProvisionLang, Record<Problem, string>> = {
  en: {
    control: 'may not contain control characters or line breaks',
    relative: 'use an absolute path (starting with /)',
    dots: 'may not contain . or .. components or empty ones (//)',
    sshd: 'is written into an sshd configuration: no spaces, quotes, backslashes or %',
    program: 'use an absolute program path of letters, digits and ._+-/ only',
    account:
      'use an account name as Debian allows it: a lower-case letter or _ first, then lower-case letters, digits, _ or -, at most 32 characters',
  },
  de: {
    control: 'darf keine Steuerzeichen oder Zeilenumbrüche enthalten',
    relative: 'einen absoluten Pfad angeben (beginnt mit /)',
    dots: 'darf keine Bestandteile . oder .. und keine leeren (//) enthalten',
    sshd: 'wird in eine sshd-Konfiguration geschrieben: keine Leerzeichen, Anführungszeichen, Backslashes oder %',
    program: 'einen absoluten Programmpfad nur aus Buchstaben, Ziffern und ._+-/ angeben',
    account:
      'einen Kontonamen angeben, wie Debian ihn erlaubt: zuerst ein Kleinbuchstabe oder _, dann Kleinbuchstaben, Ziffern, _ oder -, höchstens 32 Zeichen',
  },
};

const nothing: Record<ProvisionLang, string> = {
  en: 'nothing was changed',
  de: 'nichts wurde geändert',
};

/** Shows a value in a message without its control characters (they are the problem, not something to print). */
function shown(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
}

function fail(flag: string, value: string, problem: Problem, lang: ProvisionLang): never {
  throw new PiError('invalid-argument', `${flag} ${shown(value)}: ${text[lang][problem]}; ${nothing[lang]}.`);
}

/** What one value must be: a path, a path that goes into an sshd drop-in, a program path, or an account name. */
export type ProvisionValue =
  | { flag: string; kind: 'path'; value: string }
  | { flag: string; kind: 'sshd-path'; value: string }
  | { flag: string; kind: 'program'; value: string }
  | { flag: string; kind: 'account'; value: string };

/** The problem with one value, or undefined when it is fine. Pure. */
function problemOf(v: ProvisionValue): Problem | undefined {
  if (CONTROL.test(v.value)) return 'control';
  if (v.kind === 'account') return ACCOUNT_NAME.test(v.value) ? undefined : 'account';
  if (!v.value.startsWith('/')) return 'relative';
  if (
    v.value !== '/' &&
    v.value
      .slice(1)
      .replace(/\/$/, '')
      .split('/')
      .some((s) => s === '' || s === '.' || s === '..')
  )
    return 'dots';
  if (v.kind === 'sshd-path' && /[\s"'\\%]/.test(v.value)) return 'sshd';
  if (v.kind === 'program' && !/^\/[A-Za-z0-9_.+/-]+$/.test(v.value)) return 'program';
  return undefined;
}

/**
 * Checks every value before provisioning reads or changes anything. Throws PiError `invalid-argument` for the
 * first bad value, naming its flag and the rule in the given language, and saying that nothing was changed.
 * No side effects.
 */
export function validateProvisionValues(values: readonly ProvisionValue[], lang: ProvisionLang = 'en'): void {
  for (const v of values) {
    const p = problemOf(v);
    if (p) fail(v.flag, v.value, p, lang);
  }
}
