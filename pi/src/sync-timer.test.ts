import { describe, expect, it } from 'vitest';
import { syncTimerOfThisUnit } from './sync-timer.js';

describe('syncTimerOfThisUnit', () => {
  it('names the sync timer of the instance whose unit runs this process (cgroup v2 and v1)', () => {
    expect(
      syncTimerOfThisUnit(
        '0::/system.slice/system-restray\\x2dpi\\x2dpull.slice/restray-pi-pull@laptop.service\n',
      ),
    ).toBe('restray-pi-sync@laptop.timer');
    expect(
      syncTimerOfThisUnit(
        '1:name=systemd:/system.slice/system-restray\\x2dpi\\x2dsync.slice/restray-pi-sync@my\\x2dpc.service\n',
      ),
    ).toBe('restray-pi-sync@my\\x2dpc.timer');
  });

  it('is undefined outside a templated restray-pi unit (manual runs, other services)', () => {
    expect(syncTimerOfThisUnit('0::/user.slice/user-0.slice/session-3.scope\n')).toBeUndefined();
    expect(syncTimerOfThisUnit('0::/system.slice/restray-pi-sync.service\n')).toBeUndefined();
    expect(
      syncTimerOfThisUnit('0::/system.slice/evil@x.service/restray-pi-sync@x.service.d\n'),
    ).toBeUndefined();
  });
});
