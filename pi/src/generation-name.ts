/** Generation directory names: the UTC time of the sync in ISO 8601 basic format, e.g. `20250301T031500Z`.
 * Colon-free so that the names are safe in rsync and scp arguments, and they sort by time as plain strings. */
export const GENERATION_NAME = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/** The generation name for a time (seconds precision, UTC). */
export function generationName(t: Date): string {
  return t
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
}

/** The time of a generation name, or undefined when the name is not one (foreign directories are ignored). */
export function parseGenerationName(name: string): Date | undefined {
  const m = GENERATION_NAME.exec(name);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  const t = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  return generationName(t) === name ? t : undefined;
}
