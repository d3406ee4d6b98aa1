import { describe, expect, it } from 'vitest';
import { AppState, applyEvent, type EngineEvent, type RunRecord } from './app-state.js';
import { sampleState } from '../test/e2e/fake-engine.js';

const now = Date.parse('2026-03-10T12:00:00Z');

describe('applyEvent', () => {
  it('the sample state satisfies the schema', () => {
    expect(AppState.safeParse(sampleState(now)).success).toBe(true);
  });

  it('applies the next rev, ignores old ones, asks for a reload on a gap or resync', () => {
    const s = sampleState(now);
    const job = {
      id: 'j1',
      kind: 'backup',
      repo: 'pi',
      plan: 'home',
      trigger: 'manual',
      state: 'queued',
      queuedAt: new Date(now).toISOString(),
    } as const;
    const r1 = applyEvent(s, { type: 'job-updated', rev: 1, job });
    expect(r1.kind).toBe('applied');
    const s1 = r1.kind === 'applied' ? r1.state : s;
    expect(s1.jobs).toHaveLength(1);
    expect(applyEvent(s1, { type: 'job-updated', rev: 1, job }).kind).toBe('ignored');
    expect(applyEvent(s1, { type: 'resync', rev: 3 }).kind).toBe('reload');
    expect(applyEvent(s1, { type: 'resync', rev: 2 }).kind).toBe('reload');
  });

  it('progress marks the job running; finish removes it and records the run', () => {
    let s = sampleState(now);
    const events: EngineEvent[] = [
      {
        type: 'job-updated',
        rev: 1,
        job: {
          id: 'j1',
          kind: 'backup',
          repo: 'pi',
          plan: 'home',
          trigger: 'manual',
          state: 'queued',
          queuedAt: '2026-03-10T12:00:00.000Z',
        },
      },
      {
        type: 'job-progress',
        rev: 2,
        jobId: 'j1',
        progress: { fraction: 0.5, bytesDone: 5, filesDone: 1, currentFiles: [] },
      },
    ];
    for (const e of events) {
      const r = applyEvent(s, e);
      if (r.kind === 'applied') s = r.state;
    }
    expect(s.jobs[0]).toMatchObject({ state: 'running', progress: { fraction: 0.5 } });
    const run = {
      id: 'r9',
      kind: 'backup',
      repo: 'pi',
      plan: 'home',
      trigger: 'manual',
      startedAt: '2026-03-10T12:00:00.000Z',
      endedAt: '2026-03-10T12:01:00.000Z',
      result: 'failed',
      error: { kind: 'network', message: 'The Pi did not answer.' },
    } as const;
    const r = applyEvent(s, { type: 'job-finished', rev: 3, jobId: 'j1', run });
    expect(r.kind).toBe('applied');
    if (r.kind !== 'applied') return;
    expect(r.state.jobs).toHaveLength(0);
    expect(r.state.recentRuns[0]).toEqual(run);
    expect(r.state.plans[0]!.lastRun).toEqual(run);
  });

  it("a finished drill becomes its repository's lastDrill, not a plan's lastRun", () => {
    const s = sampleState(now);
    const run: RunRecord = {
      id: 'd1',
      kind: 'drill',
      repo: 'pi',
      trigger: 'schedule',
      startedAt: new Date(now).toISOString(),
      endedAt: new Date(now).toISOString(),
      result: 'success',
      drill: {
        from: 'offsite',
        comparedWith: 'onsite',
        snapshot: 'ab'.repeat(32),
        files: 20,
        bytes: 5,
        failures: [],
      },
    };
    const r = applyEvent(s, { type: 'job-finished', rev: s.rev + 1, jobId: 'j', run });
    if (r.kind !== 'applied') throw new Error(r.kind);
    expect(r.state.repos[0]!.lastDrill).toEqual(run);
    expect(r.state.plans).toEqual(s.plans);
    expect(AppState.safeParse(r.state).success).toBe(true);
  });

  it('schedule-changed sets and clears the pause', () => {
    const s = sampleState(now);
    const r = applyEvent(s, {
      type: 'schedule-changed',
      rev: 1,
      plans: s.plans,
      pausedUntil: '2026-03-10T13:00:00.000Z',
    });
    expect(r.kind === 'applied' && r.state.pausedUntil).toBe('2026-03-10T13:00:00.000Z');
    if (r.kind !== 'applied') return;
    const r2 = applyEvent(r.state, { type: 'schedule-changed', rev: 2, plans: s.plans });
    expect(r2.kind === 'applied' && 'pausedUntil' in r2.state).toBe(false);
  });
});
