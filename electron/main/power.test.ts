import { describe, expect, it, vi } from 'vitest';
import { sampleState } from '../../test/e2e/fake-engine.js';
import { PowerGlue, needsWakeLock } from './power.js';

describe('power', () => {
  const now = Date.parse('2026-03-10T12:00:00Z');
  it('keeps awake only while a backup or restore runs', () => {
    const s = sampleState(now);
    expect(needsWakeLock(s)).toBe(false);
    s.jobs = [
      {
        id: 'j',
        kind: 'backup',
        repo: 'pi',
        trigger: 'manual',
        state: 'queued',
        queuedAt: new Date(now).toISOString(),
      },
    ];
    expect(needsWakeLock(s)).toBe(false);
    s.jobs[0]!.state = 'running';
    expect(needsWakeLock(s)).toBe(true);
  });

  it('forwards resume and battery changes, starts and stops the blocker once', () => {
    const handlers = new Map<string, () => void>();
    const monitor = { on: (e: string, l: () => void) => handlers.set(e, l), isOnBatteryPower: () => true };
    const blocker = { start: vi.fn(() => 7), stop: vi.fn() };
    const engine = { notifyResume: vi.fn(), setOnBattery: vi.fn() };
    const glue = new PowerGlue(monitor, blocker, engine);
    glue.start();
    expect(engine.setOnBattery).toHaveBeenCalledWith(true);
    handlers.get('resume')!();
    handlers.get('on-ac')!();
    expect(engine.notifyResume).toHaveBeenCalledTimes(1);
    expect(engine.setOnBattery).toHaveBeenLastCalledWith(false);
    const s = sampleState(now);
    s.jobs = [
      {
        id: 'j',
        kind: 'backup',
        repo: 'pi',
        trigger: 'manual',
        state: 'running',
        queuedAt: new Date(now).toISOString(),
      },
    ];
    glue.update(s);
    glue.update(s);
    expect(blocker.start).toHaveBeenCalledTimes(1);
    glue.update({ ...s, jobs: [] });
    expect(blocker.stop).toHaveBeenCalledWith(7);
  });
});
