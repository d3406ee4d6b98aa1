import { describe, expect, it } from 'vitest';
import { de } from './de.js';
import { en } from './en.js';
import { formatBytes, formatDuration, formatRelative } from './format.js';
import { pickLanguage } from './index.js';

const keys = (o: object, prefix = ''): string[] =>
  Object.entries(o).flatMap(([k, v]) =>
    typeof v === 'object' ? keys(v as object, `${prefix}${k}.`) : [`${prefix}${k}`],
  );

describe('i18n', () => {
  it('German has every English key and no empty text', () => {
    expect(keys(de).sort()).toEqual(keys(en).sort());
    expect(
      keys(de).filter(
        (k) => k.split('.').reduce<unknown>((o, p) => (o as Record<string, unknown>)[p], de) === '',
      ),
    ).toEqual([]);
  });
  it('picks the setting, else the system language, else English', () => {
    expect(pickLanguage('de', ['en-US'])).toBe('de');
    expect(pickLanguage(undefined, ['de-AT', 'en'])).toBe('de');
    expect(pickLanguage(undefined, ['fr-FR'])).toBe('en');
  });
  it('formats sizes, durations and relative times per language', () => {
    expect(formatBytes(2_400_000, 'en')).toBe('2.4 MB');
    expect(formatBytes(2_400_000, 'de')).toBe('2,4 MB');
    expect(formatDuration(3 * 3600, 'de')).toBe('3 Stunden');
    expect(formatRelative('2026-03-10T09:00:00Z', Date.parse('2026-03-10T12:00:00Z'), 'en')).toBe(
      '3 hours ago',
    );
    expect(formatRelative('2026-03-10T09:00:00Z', Date.parse('2026-03-10T12:00:00Z'), 'de')).toBe(
      'vor 3 Stunden',
    );
  });
});
