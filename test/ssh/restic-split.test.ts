import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quoteForRestic, resticOption } from '../../core/ssh/ssh-options.js';

// Proves quoteForRestic and resticOption against restic 0.14 itself: restic runs a program that records its
// argv. Two layers: pflag reads each -o value as CSV, then restic's SplitShellStrings splits the command.
describe('restic 0.14 splits sftp.command and rclone.program the way quoteForRestic expects', () => {
  let dir: string;
  let dumper: string;
  let out: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'restray-split-'));
    mkdirSync(join(dir, 'bin dir'));
    dumper = join(dir, 'bin dir', 'argv dump');
    out = join(dir, 'argv');
    writeFileSync(dumper, `#!/bin/sh\nprintf '%s\\0' "$@" > '${out}'\nexit 1\n`);
    chmodSync(dumper, 0o755);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const args = [
    '-i',
    '/home/jane doe/key',
    'C:\\Users\\Jane Doe\\key',
    "/home/o'brien/key",
    '/x/say "hi"',
    'UserKnownHostsFile=/a b/known hosts',
    'a,comma',
    'plain',
  ];
  const recorded = () => readFileSync(out, 'utf8').split('\0').slice(0, -1);

  it('rclone.program (restic appends rclone arguments and the remote)', async () => {
    rmSync(out, { force: true });
    const program = [dumper, ...args].map((a) => quoteForRestic(a)).join(' ');
    const r = await execa(
      '/usr/bin/restic',
      ['-r', 'rclone:remote', '-o', resticOption('rclone.program', program), 'snapshots'],
      {
        reject: false,
        stdin: 'ignore',
        env: { RESTIC_PASSWORD: 'x' },
        timeout: 60_000,
      },
    );
    expect(r.exitCode, r.stderr).not.toBe(0);
    expect(recorded()).toEqual([...args, 'serve', 'restic', '--stdio', '--b2-hard-delete', 'remote']);
  });

  it('sftp.command (used as given, nothing appended)', async () => {
    rmSync(out, { force: true });
    const command = [dumper, ...args].map((a) => quoteForRestic(a)).join(' ');
    const r = await execa(
      '/usr/bin/restic',
      ['-r', 'sftp:u@h:/p', '-o', resticOption('sftp.command', command), 'snapshots'],
      {
        reject: false,
        stdin: 'ignore',
        env: { RESTIC_PASSWORD: 'x' },
        timeout: 60_000,
      },
    );
    expect(r.exitCode).not.toBe(0);
    expect(recorded()).toEqual(args);
  });
});
