import { describe, expect, it } from 'vitest';
import { damageMessages, planDamaged, withoutQuarantined } from './quarantine.js';

describe('planDamaged', () => {
  it('heals a file from an earlier verified copy of its name, quarantines the others', () => {
    const earlier = new Map([['data/ab/ab1', '20250101T000000Z']]);
    const plan = planDamaged(['data/ab/ab1', 'data/cd/cd2'], (f) => earlier.get(f));
    expect(plan).toEqual({
      healed: [{ file: 'data/ab/ab1', from: '20250101T000000Z' }],
      quarantined: ['data/cd/cd2'],
    });
    const m = damageMessages(plan);
    expect(m.healed).toMatch(/onsite damage.*data\/ab\/ab1 \(from 20250101T000000Z\)/);
    expect(m.quarantined).toMatch(/quarantined .*: data\/cd\/cd2\./);
    expect(damageMessages({ healed: [], quarantined: [] })).toEqual({});
  });

  it('names at most five files in an alert', () => {
    const many = Array.from({ length: 8 }, (_, i) => `data/0${i}/0${i}x`);
    expect(damageMessages(planDamaged(many, () => undefined)).quarantined).toMatch(
      /data\/04\/04x and 3 more\.$/,
    );
  });

  it('leaves quarantined files out of what the guard judges after verification', () => {
    const files = [{ path: 'data/ab/ab1' }, { path: 'data/cd/cd2' }, { path: 'config' }];
    expect(withoutQuarantined(files, { healed: [], quarantined: ['data/cd/cd2'] })).toEqual([
      { path: 'data/ab/ab1' },
      { path: 'config' },
    ]);
  });
});
