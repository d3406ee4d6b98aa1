/**
 * Locale-aware formatting with Intl, so dates, sizes and durations read naturally in English and German.
 * Formatters are cached: constructing an Intl formatter costs far more than using one, and long lists format
 * thousands of values.
 */

const cache = new Map<string, Intl.DateTimeFormat | Intl.NumberFormat | Intl.RelativeTimeFormat>();
function cached<T extends Intl.DateTimeFormat | Intl.NumberFormat | Intl.RelativeTimeFormat>(
  kind: string,
  lang: string,
  options: object,
  make: () => T,
): T {
  const key = `${kind}|${lang}|${JSON.stringify(options)}`;
  let f = cache.get(key) as T | undefined;
  if (!f) {
    f = make();
    cache.set(key, f);
  }
  return f;
}
const dateTime = (lang: string, o: Intl.DateTimeFormatOptions) =>
  cached('dt', lang, o, () => new Intl.DateTimeFormat(lang, o));
const number = (lang: string, o: Intl.NumberFormatOptions) =>
  cached('n', lang, o, () => new Intl.NumberFormat(lang, o));
const relative = (lang: string, o: Intl.RelativeTimeFormatOptions) =>
  cached('rt', lang, o, () => new Intl.RelativeTimeFormat(lang, o));

export function formatDateTime(iso: string | undefined, lang: string): string {
  if (!iso) return '';
  return dateTime(lang, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}

const UNITS = ['byte', 'kilobyte', 'megabyte', 'gigabyte', 'terabyte'] as const;

/** Decimal units (1 kB = 1000 B), as file managers on Linux and macOS show them. */
export function formatBytes(bytes: number | undefined, lang: string): string {
  if (bytes === undefined || !Number.isFinite(bytes)) return '';
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  return number(lang, {
    style: 'unit',
    unit: UNITS[unit],
    unitDisplay: 'short',
    maximumFractionDigits: unit === 0 ? 0 : value < 10 ? 1 : 0,
  }).format(value);
}

export function formatNumber(n: number | undefined, lang: string): string {
  return n === undefined ? '' : number(lang, {}).format(n);
}

export function formatPercent(fraction: number | undefined, lang: string): string {
  return fraction === undefined
    ? ''
    : number(lang, { style: 'percent', maximumFractionDigits: 0 }).format(fraction);
}

/** A duration in its largest sensible unit: `3 hours`, `2 days`, `15 minutes`. */
export function formatDuration(seconds: number, lang: string): string {
  const f = (value: number, unit: 'second' | 'minute' | 'hour' | 'day') =>
    number(lang, { style: 'unit', unit, unitDisplay: 'long', maximumFractionDigits: 0 }).format(value);
  if (seconds < 60) return f(Math.max(0, Math.round(seconds)), 'second');
  if (seconds < 3600) return f(Math.round(seconds / 60), 'minute');
  if (seconds < 2 * 86400) return f(Math.round(seconds / 3600), 'hour');
  return f(Math.round(seconds / 86400), 'day');
}

/** `vor 3 Stunden` / `3 hours ago` / `in 20 minutes`. */
export function formatRelative(iso: string | undefined, now: number, lang: string): string {
  if (!iso) return '';
  const diff = (Date.parse(iso) - now) / 1000;
  const abs = Math.abs(diff);
  const rtf = relative(lang, { numeric: 'auto' });
  // Under a minute reads "now": clocks of engine and window differ by a little, and "in 1 second" for a
  // backup that just finished would be confusing.
  if (abs < 60) return rtf.format(0, 'second');
  if (abs < 3600) return rtf.format(Math.round(diff / 60), 'minute');
  if (abs < 2 * 86400) return rtf.format(Math.round(diff / 3600), 'hour');
  return rtf.format(Math.round(diff / 86400), 'day');
}
