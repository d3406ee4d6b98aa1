import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RestrayError } from '../core/errors.js';
import { CLI_LOG_NAME, logUnexpected } from './bug-log.js';
import { reportFailure } from './report-failure.js';

function sink() {
  let text = '';
  return { err: { write: (s: string) => ((text += s), true) } as NodeJS.WritableStream, text: () => text };
}

describe('reportFailure', () => {
  it('prints an expected failure as one line with its hint and exit status', () => {
    const s = sink();
    const code = reportFailure(
      { err: s.err, logBug: () => undefined },
      new RestrayError('wrong-password', 'Wrong password.', { hint: 'Try again.' }),
    );
    expect(code).toBe(12);
    expect(s.text()).toBe('restray: Wrong password. Try again.\n');
  });

  it('folds line breaks and bounds a huge message to one line of about 4 KB', () => {
    const s = sink();
    reportFailure(
      { err: s.err, logBug: () => undefined },
      new RestrayError('invalid-config', `a\nb\n${'x'.repeat(50 << 20)}`),
    );
    expect(s.text().split('\n')).toHaveLength(2);
    expect(s.text().length).toBeLessThan(4200);
    expect(s.text()).toMatch(/^restray: a b x+…\n$/);
  });

  it('logs a bug with its stack and names the log, printing no stack itself', () => {
    const dir = mkdtempSync(join(tmpdir(), 'restray-buglog-'));
    const s = sink();
    const code = reportFailure(
      { err: s.err, logBug: (e) => logUnexpected(dir, e) },
      new TypeError('x is undefined'),
    );
    expect(code).toBe(1);
    expect(s.text()).toBe(
      `restray: x is undefined (an unexpected error; details in ${join(dir, CLI_LOG_NAME)})\n`,
    );
    const entry = JSON.parse(readFileSync(join(dir, CLI_LOG_NAME), 'utf8')) as { detail: string };
    expect(entry.detail).toMatch(/TypeError: x is undefined\n\s+at /);
  });

  it('never creates a log folder and never throws when it cannot log', () => {
    expect(logUnexpected(join(tmpdir(), 'restray-no-such-folder', 'logs'), new Error('x'))).toBeUndefined();
  });

  it('says a full disk plainly instead of a Node error', () => {
    const s = sink();
    const e = Object.assign(new Error('ENOSPC: no space left on device, write'), {
      code: 'ENOSPC',
      path: '/h/config.json',
    });
    expect(reportFailure({ err: s.err, logBug: () => 'logged' }, e)).toBe(1);
    expect(s.text()).toBe(
      'restray: Cannot write /h/config.json: the disk is full. Free some space, then try again.\n',
    );
  });
});
