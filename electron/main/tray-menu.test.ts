import { describe, expect, it } from 'vitest';
import { sampleState } from '../../test/e2e/fake-engine.js';
import { startOfTomorrow, trayMenu, type TrayItem } from './tray-menu.js';

const now = new Date('2026-03-10T12:00:00Z');
const labels = (items: TrayItem[]) => items.map((i) => (i.kind === 'separator' ? '---' : i.label));

describe('trayMenu', () => {
  it('without configuration offers setup and quit only', () => {
    const items = trayMenu(undefined, now, 'en');
    expect(labels(items)).toEqual([
      'Set up Restray to start backing up',
      '---',
      'Open Restray',
      '---',
      'Quit Restray',
    ]);
    expect(items[2]).toMatchObject({ action: { type: 'open', screen: 'setup' } });
  });

  it('shows last backup, offsite lag, actions in order', () => {
    const items = trayMenu(sampleState(now.getTime()), now, 'en');
    const l = labels(items);
    expect(l[0]).toMatch(/^Last backup: .* — OK$/);
    expect(l[1]).toBe('Offsite: not yet (3 hours behind)');
    expect(l.slice(2)).toEqual([
      '---',
      'Back up now',
      'Pause backups',
      '---',
      'Restore files…',
      'Open Restray',
      '---',
      'Quit Restray',
    ]);
    expect(items[3]).toMatchObject({ action: { type: 'backup-now', plan: 'home' } });
    expect(items.find((i) => i.kind === 'action' && i.label === 'Restore files…')).toMatchObject({
      action: { type: 'open', screen: 'restore' },
    });
  });

  it('pause offers 1 h, 4 h and until tomorrow; a pause shows Resume', () => {
    const state = sampleState(now.getTime());
    const pause = trayMenu(state, now, 'en').find((i) => i.kind === 'submenu');
    expect(pause?.kind === 'submenu' && pause.items.map((i) => i.kind === 'action' && i.action)).toEqual([
      { type: 'pause', until: '2026-03-10T13:00:00.000Z' },
      { type: 'pause', until: '2026-03-10T16:00:00.000Z' },
      { type: 'pause', until: startOfTomorrow(now).toISOString() },
    ]);
    const paused = trayMenu({ ...state, pausedUntil: '2026-03-10T16:00:00.000Z' }, now, 'en');
    expect(labels(paused)).toContain('Resume backups');
    expect(labels(paused)).not.toContain('Pause backups');
  });

  it('a running job shows progress and a Cancel entry; German texts', () => {
    const state = sampleState(now.getTime());
    state.jobs = [
      {
        id: 'j1',
        kind: 'backup',
        repo: 'pi',
        plan: 'home',
        trigger: 'manual',
        state: 'running',
        queuedAt: now.toISOString(),
        progress: { fraction: 0.42, bytesDone: 1, filesDone: 1, currentFiles: [] },
      },
    ];
    const items = trayMenu(state, now, 'de');
    expect(labels(items).some((l) => /^Sichere home… 42\s%$/.test(l))).toBe(true);
    expect(items.find((i) => i.kind === 'action' && i.label === 'Abbrechen')).toMatchObject({
      action: { type: 'cancel', jobId: 'j1' },
    });
    expect(labels(items)).toContain('Jetzt sichern');
  });

  it('several plans give a Back up now submenu; offsite blocked wins the offsite line', () => {
    const state = sampleState(now.getTime());
    state.config.plans = [...state.config.plans, { ...state.config.plans[0]!, name: 'work' }];
    state.repos[0]!.chain.offsite.state = 'blocked';
    const items = trayMenu(state, now, 'en');
    expect(labels(items)[1]).toBe('Offsite: blocked — check the offsite Pi');
    const sub = items.find((i) => i.kind === 'submenu' && i.label === 'Back up now');
    expect(sub?.kind === 'submenu' && sub.items.length).toBe(2);
  });

  it('startOfTomorrow is local midnight after now', () => {
    const t = startOfTomorrow(now);
    expect(t.getTime()).toBeGreaterThan(now.getTime());
    expect(t.getHours()).toBe(0);
    expect(t.getTime() - now.getTime()).toBeLessThanOrEqual(24 * 3600_000);
  });
});
