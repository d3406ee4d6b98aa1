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
      tooltip:
        'Bitte prüfen: 1 Sicherung ist seit 25 Stunden nicht auf dem externen Pi angekommen. Prüfen Sie, ob der externe Pi läuft und den Pi vor Ort erreicht: `sudo restray-pi status` auf dem externen Pi.',
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

describe('trayStatus at risk', () => {
  const risky = (s: ReturnType<typeof sampleState>) => {
    s.repos[0]!.chain = {
      ...s.repos[0]!.chain,
      verdict: 'at-risk',
      risk: {
        plan: 'home',
        cause: 'failed',
        hop: 'onsite',
        since: '2026-03-10T09:47:00.000Z',
        error: { kind: 'no-space', message: 'restic: no space left on device' },
        runId: 'run-9',
        failures: 3,
      },
    };
    return s;
  };
  it('is a warning with the reason and the next step, in English and German, before a failed run', () => {
    const s = risky(sampleState(now.getTime()));
    s.plans[0]!.lastRun = { ...s.plans[0]!.lastRun!, result: 'failed' };
    const en = trayStatus(s, now, 'en');
    expect(en.look).toBe('warning');
    expect(en.tooltip).toMatch(
      /^At risk: Backups of “home” have failed since .*: the backup disk is full\. Free space where the backups are stored/,
    );
    expect(trayStatus(s, now, 'de').tooltip).toMatch(
      /^Gefährdet: Sicherungen von „home“ schlagen seit .* fehl: der Sicherungsspeicher ist voll\. Schaffen Sie Platz/,
    );
  });
});

describe('trayStatus for a Pi that does not answer', () => {
  it('warns with the reason and the next step, even while the offsite copy is fine', () => {
    const s = sampleState(now.getTime());
    s.repos[0]!.chain = {
      ...s.repos[0]!.chain,
      verdict: 'safe',
      onsite: { state: 'unreachable', reason: 'Connection timed out.' },
      offsite: { state: 'ok' },
    };
    expect(trayStatus(s, now, 'en')).toEqual({
      look: 'warning',
      tooltip:
        'Needs attention: The onsite Pi does not answer (Connection timed out). Check that the onsite Pi is switched on and connected to the network; Restray checks again every 10 minutes.',
    });
    expect(trayStatus(s, now, 'de').tooltip).toMatch(/^Bitte prüfen: Der Pi vor Ort antwortet nicht/);
  });
});

describe('trayStatus and restore drills', () => {
  it('a failed last drill is a warning naming the file, in English and German, until a drill passes', () => {
    const s = sampleState(now.getTime());
    const drill = {
      id: 'd1',
      kind: 'drill' as const,
      repo: 'pi',
      trigger: 'schedule' as const,
      startedAt: '2026-03-09T12:00:00.000Z',
      endedAt: '2026-03-09T12:01:00.000Z',
      result: 'failed' as const,
      drill: {
        from: 'offsite' as const,
        comparedWith: 'onsite' as const,
        snapshot: 'ab'.repeat(32),
        files: 20,
        bytes: 1,
        failures: [{ path: '/home/a/x', problem: 'content' as const }],
      },
    };
    s.repos = [{ ...s.repos[0]!, lastDrill: drill }];
    expect(trayStatus(s, now, 'en')).toMatchObject({ look: 'warning' });
    expect(trayStatus(s, now, 'en').tooltip).toContain('“/home/a/x” came back with different bytes');
    expect(trayStatus(s, now, 'de').tooltip).toContain('„/home/a/x“ kam mit anderen Daten zurück');
    s.repos = [
      { ...s.repos[0]!, lastDrill: { ...drill, result: 'success', drill: { ...drill.drill, failures: [] } } },
    ];
    expect(trayStatus(s, now, 'en').look).toBe('ok');
  });
});

describe('trayIconFile', () => {
  it('uses template images on macOS, .ico on Windows, PNG on Linux', () => {
    expect(trayIconFile('ok', 'darwin')).toBe('tray-okTemplate.png');
    expect(trayIconFile('error', 'win32')).toBe('tray-error.ico');
    expect(trayIconFile('running', 'linux')).toBe('tray-running.png');
  });
});
