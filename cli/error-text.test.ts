import { describe, expect, it } from 'vitest';
import { classifyResticFailure, resticMessages } from '../core/restic/errors.js';
import { classifySshFailure } from '../core/ssh/ssh-errors.js';
import { cliLang } from './cli-lang.js';
import { localizedError } from './error-text.js';

describe('cliLang', () => {
  it('follows the setting, else LC_ALL, LC_MESSAGES, LANG in that order; German only for de', () => {
    expect(cliLang(undefined, { LANG: 'de_DE.UTF-8' })).toBe('de');
    expect(cliLang(undefined, { LC_ALL: 'en_US.UTF-8', LANG: 'de_DE.UTF-8' })).toBe('en');
    expect(cliLang(undefined, { LC_ALL: '', LC_MESSAGES: 'de_AT', LANG: 'C' })).toBe('de');
    expect(cliLang('en', { LANG: 'de_DE.UTF-8' })).toBe('en');
    expect(cliLang(undefined, { LANG: 'fr_FR.UTF-8' })).toBe('en');
  });
});

describe('localizedError', () => {
  it("translates every fixed sentence of restic's errors (a changed English text fails here)", () => {
    for (const [kind, m] of Object.entries(resticMessages)) {
      const info = {
        kind: kind as keyof typeof resticMessages,
        message: m.message,
        ...('hint' in m ? { hint: m.hint } : {}),
      };
      const de = localizedError(info, 'de');
      expect(de.message, m.message).not.toBe(m.message);
      expect(de.message).not.toContain(m.message); // not the "title: English" fallback
      if ('hint' in m) expect(de.hint, m.hint).not.toBe(m.hint);
    }
  });

  it('translates the ssh failures as the classifier words them', () => {
    for (const stderr of [
      'Host key verification failed.',
      '@ WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED! @\nHost key verification failed.',
      'u@pi: Permission denied (publickey).',
      'ssh: connect to host pi port 22: Connection timed out',
      'ssh: connect to host pi port 22: Connection refused',
      'ssh: Could not resolve hostname pi: Name or service not known',
    ]) {
      const e = classifySshFailure(stderr)!;
      expect(e, stderr).toBeDefined();
      const de = localizedError(
        { kind: e.kind, message: e.message, ...(e.hint ? { hint: e.hint } : {}) },
        'de',
      );
      expect(de.message, e.message).not.toBe(e.message);
      expect(de.hint, e.hint).not.toBe(e.hint);
    }
  });

  it("keeps a sentence with details behind the kind's German title; restic's own words stay", () => {
    expect(
      localizedError({ kind: 'invalid-argument', message: 'Plan "x" has no retention policy.' }, 'de')
        .message,
    ).toBe('Ungültige Eingabe: Plan "x" has no retention policy.');
    const failed = classifyResticFailure(1, 'Fatal: something odd');
    expect(localizedError(failed, 'de').message).toBe(
      'restic ist fehlgeschlagen (Exit-Status 1): something odd',
    );
  });

  it('English is what the engine wrote', () => {
    const info = { kind: 'locked' as const, message: 'M.', hint: 'H.' };
    expect(localizedError(info, 'en')).toEqual({ message: 'M.', hint: 'H.' });
  });
});
