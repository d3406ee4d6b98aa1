import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { classifyResticFailure, lastMeaningfulLine, ResticError } from './errors.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

describe('classifyResticFailure', () => {
  it.each([
    // restic 0.14: every failure exits 1, the text decides (golden stderr)
    [1, fixture('stderr-wrong-password-0.14.txt'), 'wrong-password'],
    [1, fixture('stderr-repo-not-found-0.14.txt'), 'repo-not-found'],
    [1, fixture('stderr-locked-0.14.txt'), 'locked'],
    [1, fixture('stderr-init-exists-0.14.txt'), 'repo-exists'],
    [
      1,
      'Fatal: unable to open repository at /r: ReadDir: open /r/keys: permission denied',
      'permission-denied',
    ],
    // restic ≥ 0.17 exit statuses, also with a JSON exit_error line (0.18)
    [
      10,
      '{"message_type":"exit_error","code":10,"message":"Fatal: repository does not exist"}',
      'repo-not-found',
    ],
    [11, 'Fatal: unable to create lock in backend', 'locked'],
    [12, '', 'wrong-password'],
    [130, 'signal interrupt received, cleaning up', 'cancelled'],
    // ssh's stderr relayed by restic (sftp backend or rclone.program=ssh)
    [
      1,
      'Host key verification failed.\nFatal: unable to open repository at sftp:pi:/srv/restic: unable to start the sftp session, error: EOF',
      'host-key-unknown',
    ],
    [
      1,
      '@@@@@@@@\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\nHost key verification failed.\nFatal: unable to open repository',
      'host-key-mismatch',
    ],
    [
      1,
      'restray@10.0.0.2: Permission denied (publickey).\nFatal: unable to open repository',
      'permission-denied',
    ],
    [1, 'ssh: connect to host 10.0.0.2 port 22: Connection timed out\nFatal: unable to open repo', 'network'],
    [1, 'ssh: connect to host pi port 22: Connection refused', 'network'],
    // append-only rclone serve restic / rest-server: delete refused with 403
    [
      1,
      'Remove(<data/0a1b2c3d>) returned error, retrying after 720ms: blob not removed, server response: 403 Forbidden (403)\nFatal: failed to remove snapshots',
      'append-only',
    ],
    // full disk, local and over rclone/rest
    [1, 'Fatal: unable to save snapshot: write /mnt/usb/repo/data/ab/x: no space left on device', 'no-space'],
    [
      1,
      'Save(<data/ab>) returned error: server response unexpected: 507 Insufficient Storage (507)',
      'no-space',
    ],
    [1, 'Fatal: invalid id "deadbeef": no matching ID found for prefix "deadbeef"', 'not-found'],
    // unknown exit statuses are failures
    [2, 'panic: runtime error: invalid memory address', 'failed'],
    [42, '', 'failed'],
    [1, 'Fatal: something new went wrong', 'failed'],
  ] as const)('exit %s, %j → %s', (code, text, kind) => {
    const e = classifyResticFailure(code, text);
    expect(e).toBeInstanceOf(ResticError);
    expect(e.kind).toBe(kind);
    expect(e.exitCode).toBe(code);
    expect(e.message.length).toBeGreaterThan(0);
    if (kind !== 'failed' && kind !== 'cancelled') expect(e.hint).toBeTruthy();
  });

  it('does not mistake an unreadable source file (per-item JSON error) for a repository permission problem', () => {
    const text =
      '{"message_type":"error","error":{"message":"open /home/a/x: permission denied"},"during":"archival","item":"/home/a/x"}\nFatal: unable to save snapshot: connection lost';
    const e = classifyResticFailure(1, text);
    expect(e.kind).toBe('failed');
    expect(e.message).toBe('restic failed (exit status 1): unable to save snapshot: connection lost');
  });

  it('names the last meaningful stderr line in a failure and never the password', () => {
    const e = classifyResticFailure(
      1,
      'using temporary cache in /tmp/x\nFatal: cannot frobnicate hunter2 now\n',
      ['hunter2'],
    );
    expect(e.kind).toBe('failed');
    expect(e.message).toBe('restic failed (exit status 1): cannot frobnicate *** now');
    expect(e.stderrTail).not.toContain('hunter2');
    expect(JSON.stringify(e.toInfo())).not.toContain('hunter2');
  });

  it("classifies before redacting: a password may be a word of restic's own message", () => {
    const e = classifyResticFailure(1, 'Fatal: wrong password or no key found', ['wrong password']);
    expect(e.kind).toBe('wrong-password');
    expect(e.stderrTail).toBe('Fatal: *** or no key found');
  });
});

describe('lastMeaningfulLine', () => {
  it('prefers the 0.18 exit_error message, then Fatal:, then the last non-noise line', () => {
    expect(lastMeaningfulLine('x\n{"message_type":"exit_error","code":1,"message":"it broke"}')).toBe(
      'it broke',
    );
    expect(lastMeaningfulLine('Fatal: first\nsome detail\n[0:01] 100.00%  3 / 3 snapshots')).toBe('first');
    expect(
      lastMeaningfulLine('load indexes\nsomething odd\n\u001b[2Ksignal interrupt received, cleaning up'),
    ).toBe('something odd');
    expect(lastMeaningfulLine('')).toBeUndefined();
  });
});
