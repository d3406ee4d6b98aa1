import { describe, expect, it } from 'vitest';
import { missedSlot, nextSlot, previousSlot, validateCron } from './slots.js';

const at = (s: string) => new Date(s);

describe('schedule slots', () => {
  it('finds the next and previous daily slot', () => {
    expect(nextSlot('0 12 * * *', at('2026-03-01T13:00:00')).toISOString()).toBe(
      at('2026-03-02T12:00:00').toISOString(),
    );
    expect(previousSlot('0 12 * * *', at('2026-03-01T13:00:00'))?.toISOString()).toBe(
      at('2026-03-01T12:00:00').toISOString(),
    );
  });

  it('counts a slot exactly at now as due', () => {
    expect(previousSlot('0 12 * * *', at('2026-03-01T12:00:00'))?.toISOString()).toBe(
      at('2026-03-01T12:00:00').toISOString(),
    );
  });

  it('makes up only the latest of several missed slots', () => {
    const slot = missedSlot('0 12 * * *', at('2026-03-01T12:00:00'), at('2026-03-04T09:00:00'));
    expect(slot?.toISOString()).toBe(at('2026-03-03T12:00:00').toISOString());
  });

  it('reports nothing missed when the last slot was handled', () => {
    expect(missedSlot('0 12 * * *', at('2026-03-03T12:00:00'), at('2026-03-04T09:00:00'))).toBeUndefined();
  });

  it('rejects nonsense with the allowed form', () => {
    expect(() => validateCron('every day')).toThrow(/five fields/);
    expect(() => validateCron('61 * * * *')).toThrow(/schedule:/);
    expect(() => validateCron('0 12 * * *')).not.toThrow();
  });
});
