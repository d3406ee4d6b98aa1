/** Minutes since local midnight of an `HH:MM` string. */
function minutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  return h * 60 + m;
}

/**
 * Whether `t` (the Pi's local time) lies in the daily window [start, end). A window whose end is before its
 * start spans midnight (22:00–06:00); equal start and end mean all day. Pure.
 */
export function inWindow(t: Date, w: { start: string; end: string }): boolean {
  const now = t.getHours() * 60 + t.getMinutes();
  const s = minutes(w.start);
  const e = minutes(w.end);
  if (s === e) return true;
  return s < e ? now >= s && now < e : now >= s || now < e;
}
