import { describe, expect, it } from 'vitest';
import { sampleState } from '../../test/e2e/fake-engine.js';
import { stalePlans, trayIconFile, trayStatus } from './tray-icon.js';

const now = new Date('2026-03-10T12:00:00Z');

describe('trayStatus', () => {
  it('is ok when the last backup succeeded and the lag is within the limit', () => {
    expect(trayStatus(sampleState(now.getTime()), now, 'en')).toEqual({
      look: 'ok',
      tooltip: 'Your backups are up to date',
    });
  });
  it('needs setup without repositories', () => {
    expect(trayStatus(undefined, now, 'en').look).toBe('warning');
  });
  it('running beats paused beats error beats warning', () => {
    const s = sampleState(now.getTime());
    s.plans[0]!.lastRun = {
      ...s.plans[0]!.lastRun!,
      result: 'failed',
      error: { kind: 'network', message: 'The Pi did not answer.' },
    };
    expect(trayStatus(s, now, 'en')).toEqual({
      look: 'error',
      tooltip: 'Last backup failed: The Pi did not answer.',
    });
    s.pausedUntil = '2026-03-10T13:00:00.000Z';
    expect(trayStatus(s, now, 'en').look).toBe('paused');
    s.jobs = [
      {
        id: 'j',
        kind: 'backup',
        repo: 'pi',
        trigger: 'manual',
        state: 'running',
        queuedAt: now.toISOString(),
      },
    ];
    expect(trayStatus(s, now, 'en').look).toBe('running');
  });
  it('warns when offsite lags past the limit, failed, or a plan is stale', () => {
    const s = sampleState(now.getTime());
    s.repos[0]!.chain.offsite.lagSeconds = 25 * 3600;
    expect(trayStatus(s, now, 'de')).toEqual({
      look: 'warning',
      tooltip: 'Bitte prüfen: Extern: noch nicht',
    });
    const t = sampleState(now.getTime() - 4 * 86_400_000);
    expect(stalePlans(t, now)).toEqual([{ plan: 'home', days: 5 }]);
    expect(trayStatus(t, now, 'en').look).toBe('warning');
  });
  it('warns when the offsite status is not trusted, or not signed by a pinned key (with the step)', () => {
    const s = sampleState(now.getTime());
    s.repos[0]!.chain.verdict = 'unknown';
    s.repos[0]!.chain.offsite = {
      state: 'unknown',
      reason: 'changed',
      trust: { state: 'rejected', problem: 'bad-signature' },
    };
    expect(trayStatus(s, now, 'de')).toEqual({
      look: 'warning',
      tooltip: 'Bitte prüfen: Extern: Status nicht vertrauenswürdig — nicht vom externen Pi signiert',
    });
    const u = sampleState(now.getTime());
    u.repos[0]!.chain.offsite.trust = { state: 'not-pinned' };
    expect(trayStatus(u, now, 'en')).toEqual({
      look: 'warning',
      tooltip:
        'Needs attention: offsite status not signed — pin the offsite Pi’s key (restray repo offsite … --status-key)',
    });
  });
});

describe('trayIconFile', () => {
  it('uses template images on macOS, .ico on Windows, PNG on Linux', () => {
    expect(trayIconFile('ok', 'darwin')).toBe('tray-okTemplate.png');
    expect(trayIconFile('error', 'win32')).toBe('tray-error.ico');
    expect(trayIconFile('running', 'linux')).toBe('tray-running.png');
  });
});
