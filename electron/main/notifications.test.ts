import { describe, expect, it, vi } from 'vitest';
import { sampleState } from '../../test/e2e/fake-engine.js';
import type { RunRecord } from '../../contract/app-state.js';
import { Notifier, noticesForEvent, passes, staleNotices, type NoticeContext } from './notifications.js';

const now = new Date('2026-03-10T12:00:00Z');
const ctx: NoticeContext = { lang: 'en', now, windowFocused: false };
const run = (over: Partial<RunRecord>): RunRecord => ({
  id: 'r1',
  kind: 'backup',
  repo: 'pi',
  plan: 'home',
  trigger: 'schedule',
  startedAt: '2026-03-10T11:00:00.000Z',
  endedAt: '2026-03-10T11:05:00.000Z',
  result: 'success',
  ...over,
});

describe('noticesForEvent', () => {
  const s = sampleState(now.getTime());
  it('a failed backup of a plan is told by the chain turning at risk, once per failing stretch', () => {
    const failed = run({
      result: 'failed',
      error: { kind: 'network', message: 'The Pi did not answer within 60 s.' },
    });
    expect(noticesForEvent(s, { type: 'job-finished', rev: 1, jobId: 'j', run: failed }, ctx)).toEqual([]);
    const chain = s.repos[0]!.chain;
    const atRisk = {
      ...chain,
      verdict: 'at-risk' as const,
      risk: {
        plan: 'home',
        cause: 'failed' as const,
        hop: 'onsite' as const,
        since: failed.endedAt,
        error: failed.error!,
        runId: 'r1',
        failures: 1,
      },
    };
    const [n, ...more] = noticesForEvent(s, { type: 'chain-changed', rev: 1, chain: atRisk }, ctx);
    expect(more).toEqual([]);
    expect(n).toMatchObject({
      severity: 'error',
      title: 'Backups at risk',
      open: { screen: 'logs', runId: 'r1' },
    });
    expect(n!.body).toMatch(
      /^Backups of “home” have failed since .*: the onsite Pi does not answer\. Check that the onsite Pi is switched on/,
    );
    // Already at risk: further failures add nothing.
    const s2 = { ...s, repos: [{ ...s.repos[0]!, chain: atRisk }] };
    const again = { ...atRisk, risk: { ...atRisk.risk, failures: 2, runId: 'r2' } };
    expect(noticesForEvent(s2, { type: 'chain-changed', rev: 1, chain: again }, ctx)).toEqual([]);
    // A run without a plan (none in config) still notifies itself.
    expect(
      noticesForEvent(
        s,
        { type: 'job-finished', rev: 1, jobId: 'j', run: { ...failed, plan: undefined } as RunRecord },
        ctx,
      )[0],
    ).toMatchObject({ severity: 'error', title: 'Backup failed' });
  });
  it('a manual failure seen in the focused window stays silent', () => {
    expect(
      noticesForEvent(
        s,
        { type: 'job-finished', rev: 1, jobId: 'j', run: run({ trigger: 'manual', result: 'failed' }) },
        { ...ctx, windowFocused: true },
      ),
    ).toEqual([]);
  });
  it('partial is a warning, success is info, cancelled is silent; German text', () => {
    const [p] = noticesForEvent(
      s,
      { type: 'job-finished', rev: 1, jobId: 'j', run: run({ result: 'partial', warnings: ['a', 'b'] }) },
      { ...ctx, lang: 'de' },
    );
    expect(p).toMatchObject({
      severity: 'warning',
      body: '„home“ wurde gesichert, aber 2 Dateien konnten nicht gelesen werden.',
    });
    expect(
      noticesForEvent(s, { type: 'job-finished', rev: 1, jobId: 'j', run: run({}) }, ctx)[0]?.severity,
    ).toBe('info');
    expect(
      noticesForEvent(
        s,
        { type: 'job-finished', rev: 1, jobId: 'j', run: run({ result: 'cancelled' }) },
        ctx,
      ),
    ).toEqual([]);
  });
  it('restore finished notifies (warning level) when the window is not focused', () => {
    const [n] = noticesForEvent(
      s,
      {
        type: 'job-finished',
        rev: 1,
        jobId: 'j',
        run: run({
          kind: 'restore',
          restore: { target: '/home/ada/Restored', paths: ['/x'], filesRestored: 3, bytesRestored: 9 },
        }),
      },
      ctx,
    );
    expect(n).toMatchObject({
      severity: 'warning',
      title: 'Restore finished',
      body: '3 files restored to /home/ada/Restored.',
    });
  });
  it('offsite: blocked is an error, failed a warning, lag only when it crosses the limit', () => {
    const chain = s.repos[0]!.chain;
    expect(
      noticesForEvent(
        s,
        {
          type: 'chain-changed',
          rev: 1,
          chain: { ...chain, offsite: { ...chain.offsite, state: 'blocked' } },
        },
        ctx,
      )[0]?.severity,
    ).toBe('error');
    expect(
      noticesForEvent(
        s,
        {
          type: 'chain-changed',
          rev: 1,
          chain: { ...chain, offsite: { ...chain.offsite, state: 'failed', reason: 'link cut' } },
        },
        ctx,
      )[0],
    ).toMatchObject({ severity: 'warning', body: 'The offsite copy of “pi” failed: link cut' });
    const late = { ...chain, offsite: { ...chain.offsite, lagSeconds: 30 * 3600 } };
    expect(noticesForEvent(s, { type: 'chain-changed', rev: 1, chain: late }, ctx)[0]).toMatchObject({
      title: 'Backup not yet offsite',
    });
    const s2 = { ...s, repos: [{ ...s.repos[0]!, chain: late }] };
    expect(
      noticesForEvent(
        s2,
        {
          type: 'chain-changed',
          rev: 1,
          chain: { ...late, offsite: { ...late.offsite, lagSeconds: 31 * 3600 } },
        },
        ctx,
      ),
    ).toEqual([]);
  });
  it('offsite: a status that stops being trusted is one error notice, in the user language', () => {
    const chain = s.repos[0]!.chain;
    const forged = {
      ...chain,
      verdict: 'unknown' as const,
      offsite: {
        state: 'unknown' as const,
        trust: { state: 'rejected' as const, problem: 'replay' as const },
      },
    };
    const event = { type: 'chain-changed' as const, rev: 1, chain: forged };
    expect(noticesForEvent(s, event, { ...ctx, lang: 'de' })).toEqual([
      expect.objectContaining({
        severity: 'error',
        title: 'Externer Status nicht vertrauenswürdig',
        body: '„pi“: ein älterer externer Status wird erneut ausgeliefert. Restray kann nicht sagen, ob Ihre Sicherungen extern liegen.',
      }),
    ]);
    // Still the same problem on the next check: no second notice.
    const after = { ...s, repos: [{ ...s.repos[0]!, chain: forged }] };
    expect(noticesForEvent(after, event, ctx)).toEqual([]);
  });
  it('a failed restore drill is one warning naming the damaged file; a passed one is silent', () => {
    const drill = run({
      kind: 'drill',
      plan: undefined,
      result: 'failed',
      error: { kind: 'failed', message: 'Restore test failed: /home/a/x could not be restored.' },
      drill: {
        from: 'offsite',
        comparedWith: 'onsite',
        snapshot: 'ab'.repeat(32),
        files: 20,
        bytes: 1,
        failures: [{ path: '/home/a/x', problem: 'unreadable' }],
      },
    });
    const event = { type: 'job-finished' as const, rev: 1, jobId: 'j', run: drill };
    expect(noticesForEvent(s, event, ctx)).toEqual([
      expect.objectContaining({
        severity: 'warning',
        title: 'Restore test failed',
        body: expect.stringContaining('“/home/a/x” could not be restored'),
        open: { screen: 'logs', runId: 'r1' },
      }),
    ]);
    expect(noticesForEvent(s, event, { ...ctx, lang: 'de' })[0]).toMatchObject({
      title: 'Wiederherstellungstest fehlgeschlagen',
      body: expect.stringContaining('„/home/a/x“ ließ sich nicht wiederherstellen'),
    });
    const passed = { ...drill, result: 'success' as const, drill: { ...drill.drill!, failures: [] } };
    expect(noticesForEvent(s, { ...event, run: passed }, ctx)).toEqual([]);
  });
  it('stale plans warn', () => {
    const old = sampleState(now.getTime() - 5 * 86_400_000);
    expect(staleNotices(old, ctx)).toMatchObject([
      { severity: 'warning', body: '“home” has had no successful backup for 6 days.' },
    ]);
  });
});

describe('levels and the Notifier glue', () => {
  it('passes by level', () => {
    expect([
      passes('error', 'errors'),
      passes('warning', 'errors'),
      passes('warning', 'warnings'),
      passes('info', 'warnings'),
      passes('info', 'all'),
    ]).toEqual([true, false, true, false, true]);
  });
  it('shows each key once, filters by level, routes clicks', () => {
    const shown: { title: string; click?: () => void }[] = [];
    const open = vi.fn();
    const notifier = new Notifier((o) => {
      const entry: { title: string; click?: () => void } = { title: o.title };
      shown.push(entry);
      return { on: (_e, l) => (entry.click = l), show: () => {} };
    }, open);
    const notices = [
      {
        severity: 'error' as const,
        title: 'A',
        body: '',
        key: 'a',
        open: { screen: 'logs' as const, runId: 'r' },
      },
      { severity: 'info' as const, title: 'B', body: '', key: 'b' },
    ];
    expect(notifier.show(notices, 'warnings')).toBe(1);
    expect(notifier.show(notices, 'all')).toBe(1);
    expect(shown.map((s) => s.title)).toEqual(['A', 'B']);
    shown[0]!.click!();
    expect(open).toHaveBeenCalledWith({ screen: 'logs', runId: 'r' });
  });
});
