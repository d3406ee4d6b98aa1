import { describe, expect, it } from 'vitest';
import { CONFIG_VERSION, type Config } from '../../contract/config.js';
import { validateConfig } from '../config/config-store.js';
import { DEFAULT_DRILL_SCHEDULE, drillRepoOf, scheduledWithDrills } from './drill-schedule.js';

const local = (name: string, drillSchedule?: string) => ({
  name,
  target: { kind: 'local' as const, path: `/backups/${name}` },
  ...(drillSchedule === undefined ? {} : { drillSchedule }),
});

describe('scheduled drills', () => {
  it('one monthly, never-on-battery drill per backed-up repository, beside the plans', () => {
    const config: Config = validateConfig({
      version: CONFIG_VERSION,
      repositories: [
        local('usb'),
        local('pi', '0 3 * * 0'),
        local('unused'),
        local('quiet', 'off'),
        local('typo', 'every day'),
      ],
      plans: [
        { name: 'home', repo: 'usb', paths: ['/home/a'] },
        { name: 'docs', repo: 'pi', paths: ['/home/a/docs'], schedule: '0 * * * *' },
        { name: 'q', repo: 'quiet', paths: ['/q'] },
        { name: 't', repo: 'typo', paths: ['/t'] },
      ],
    });
    const s = scheduledWithDrills(config);
    expect(s.slice(0, 4).map((p) => p.name)).toEqual(['home', 'docs', 'q', 't']);
    expect(s.slice(4)).toEqual([
      { name: 'drill:usb', schedule: DEFAULT_DRILL_SCHEDULE, conditions: { notOnBattery: true } },
      { name: 'drill:pi', schedule: '0 3 * * 0', conditions: { notOnBattery: true } },
      { name: 'drill:typo', schedule: DEFAULT_DRILL_SCHEDULE, conditions: { notOnBattery: true } },
    ]);
    expect(s.map((p) => drillRepoOf(p.name))).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      'usb',
      'pi',
      'typo',
    ]);
  });
});
