import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EngineEvent, Job, RunRecord } from '../../contract/app-state.js';
import { engineEventText, logLine, openEngineLog } from './engine-log.js';

const job: Job = {
  id: 'j1',
  kind: 'backup',
  repo: 'usb',
  plan: 'home',
  trigger: 'schedule',
  state: 'running',
  queuedAt: '2026-12-03T03:00:00.000Z',
  startedAt: '2026-12-03T03:00:00.000Z',
};
const run: RunRecord = {
  id: 'r1',
  kind: 'backup',
  repo: 'usb',
  plan: 'home',
  trigger: 'schedule',
  startedAt: '2026-12-03T03:00:00.000Z',
  endedAt: '2026-12-03T03:01:00.000Z',
  result: 'success',
  backup: {
    snapshotId: '1a2b3c4d5e6f',
    filesNew: 1,
    filesChanged: 0,
    filesUnmodified: 0,
    dataAdded: 10,
    totalFilesProcessed: 1,
    totalBytesProcessed: 10,
  },
};

describe('engineEventText', () => {
  it('logs starts and finishes, not progress or schedule changes', () => {
    expect(engineEventText({ type: 'job-updated', rev: 1, job })).toEqual({
      level: 'info',
      text: 'backup home started (schedule)',
    });
    expect(
      engineEventText({ type: 'job-updated', rev: 1, job: { ...job, state: 'queued' } }),
    ).toBeUndefined();
    expect(engineEventText({ type: 'job-finished', rev: 2, jobId: 'j1', run })).toEqual({
      level: 'info',
      text: 'backup home success: snapshot 1a2b3c4d',
    });
    const failed: EngineEvent = {
      type: 'job-finished',
      rev: 3,
      jobId: 'j1',
      run: {
        ...run,
        result: 'failed',
        backup: undefined,
        error: { kind: 'network', message: 'The Pi did not answer.' },
      },
    };
    expect(engineEventText(failed)).toEqual({
      level: 'error',
      text: 'backup home failed: network: The Pi did not answer.',
    });
    expect(
      engineEventText({
        type: 'job-finished',
        rev: 4,
        jobId: 'j1',
        run: { ...run, result: 'partial', warnings: ['a', 'b'] },
      }),
    ).toEqual({ level: 'warn', text: 'backup home partial: snapshot 1a2b3c4d (2 warning(s))' });
    expect(engineEventText({ type: 'resync', rev: 5 })).toBeUndefined();
  });
});

describe('logLine', () => {
  it('a message cannot forge a second line, and is bounded', () => {
    const forged = 'oops\n2026-12-03T00:00:00.000Z INFO backup home success\r\u001b[2J\u2028after';
    const line = logLine(new Date('2026-12-03T16:00:00Z'), 'error', forged);
    expect(line.split('\n')).toHaveLength(2); // the text, then the final newline
    expect(line).toMatch(
      /^2026-12-03T16:00:00\.000Z ERROR oops 2026-12-03T00:00:00\.000Z INFO backup home success \[2J after$/m,
    );
    expect(logLine(new Date(), 'info', 'x'.repeat(100_000)).length).toBeLessThan(4200);
  });
});

describe('openEngineLog', () => {
  it('creates the log folder (0700) and writes one timestamped line per start, finish and bug', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'restray-elog-')), 'logs with space');
    const log = openEngineLog(dir, 'restray-daemon.log', { clock: () => new Date('2026-12-03T03:00:00Z') });
    log.onEvent({ type: 'job-updated', rev: 1, job });
    log.onEvent({ type: 'job-progress', rev: 2, jobId: 'j1', progress: { percent: 0.5 } as never });
    log.onEvent({ type: 'job-finished', rev: 3, jobId: 'j1', run });
    log.bug(new TypeError('boom'));
    const lines = readFileSync(log.file, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe('2026-12-03T03:00:00.000Z INFO backup home started (schedule)');
    expect(lines[1]).toBe('2026-12-03T03:00:00.000Z INFO backup home success: snapshot 1a2b3c4d');
    expect(lines[2]).toMatch(/^2026-12-03T03:00:00\.000Z ERROR unexpected error: TypeError: boom +at /);
    if (process.platform !== 'win32') expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('an unusable log folder writes nothing and never throws', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'restray-elog-')), 'a-file');
    writeFileSync(file, ''); // a file where the log folder should be
    const log = openEngineLog(join(file, 'x'), 'restray-daemon.log');
    expect(() => log.onEvent({ type: 'job-updated', rev: 1, job })).not.toThrow();
    expect(() => log.bug(new Error('x'))).not.toThrow();
  });
});
