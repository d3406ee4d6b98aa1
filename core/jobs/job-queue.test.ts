import { describe, expect, it } from 'vitest';
import { JobQueue } from './job-queue.js';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('JobQueue', () => {
  it('runs jobs of one repository one at a time, in order', async () => {
    const q = new JobQueue();
    const log: string[] = [];
    let running = 0;
    const gate = deferred();
    const job = (name: string, wait?: Promise<void>) => async () => {
      running += 1;
      expect(running).toBe(1);
      log.push(`start ${name}`);
      await wait;
      log.push(`end ${name}`);
      running -= 1;
    };
    const a = q.enqueue('pi', 'backup:a', job('a', gate.promise));
    const b = q.enqueue('pi', 'backup:b', job('b'));
    gate.resolve();
    await Promise.all([a.promise, b.promise]);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b']);
  });

  it('coalesces a second trigger of the same job while it is pending', async () => {
    const q = new JobQueue();
    const gate = deferred();
    let runs = 0;
    const job = async () => {
      runs += 1;
      await gate.promise;
      return runs;
    };
    const first = q.enqueue('pi', 'backup:home', job);
    const second = q.enqueue('pi', 'backup:home', job);
    expect(second.coalesced).toBe(true);
    expect(q.keys('pi')).toEqual(['backup:home']);
    gate.resolve();
    expect(await first.promise).toBe(1);
    expect(await second.promise).toBe(1);
    const third = q.enqueue('pi', 'backup:home', job);
    expect(third.coalesced).toBe(false);
    expect(await third.promise).toBe(2);
  });

  it('lets different repositories work in parallel and survives a failing job', async () => {
    const q = new JobQueue();
    const gate = deferred();
    const slow = q.enqueue('pi', 'x', () => gate.promise);
    const other = q.enqueue('usb', 'x', async () => 'done');
    expect(await other.promise).toBe('done');
    const failing = q.enqueue('pi', 'fail', async () => {
      throw new Error('boom');
    });
    const after = q.enqueue('pi', 'after', async () => 'ran');
    gate.resolve();
    await slow.promise;
    await expect(failing.promise).rejects.toThrow('boom');
    expect(await after.promise).toBe('ran');
    await q.idle();
    expect(q.keys('pi')).toEqual([]);
  });
});
