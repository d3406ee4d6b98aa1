import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RepoTarget } from '../../contract/config.js';
import { resticRepoArgs } from '../../core/ssh/repo-args.js';
import { classifySshFailure } from '../../core/ssh/ssh-errors.js';
import { probeSsh, RESTIC_LOST_SSH_ERROR } from '../../core/ssh/ssh-probe.js';
import { startSshLab, type SshLab } from './ssh-lab.js';

// restic is driven directly here (the restic driver is tested elsewhere): this proves the repository
// arguments, including the quoting of sftp.command / rclone.program, against restic 0.14 and a real sshd.
const RESTIC = '/usr/bin/restic';

function restic(target: RepoTarget, args: string[], cacheDir: string) {
  return execa(RESTIC, [...resticRepoArgs(target), '--cache-dir', cacheDir, ...args], {
    reject: false,
    stdin: 'ignore',
    timeout: 120_000,
    // The password only ever travels in the environment; the _FILE/_COMMAND variants are blanked.
    env: { RESTIC_PASSWORD: 'smoke-test-password', RESTIC_PASSWORD_FILE: '', RESTIC_PASSWORD_COMMAND: '' },
    extendEnv: true,
  });
}

describe('restic 0.14 through resticRepoArgs', () => {
  let sftpLab: SshLab;
  let appendLab: SshLab;
  let appendRepo: string;

  beforeAll(async () => {
    // A key path with spaces and a comma proves both layers of quoting restic needs (CSV for -o, then
    // SplitShellStrings for the command).
    sftpLab = await startSshLab({ keyDir: 'key dir, with spaces' });
    appendLab = await startSshLab({ keyDir: 'keys' });
    appendRepo = join(appendLab.work, 'append only repo');
    mkdirSync(appendRepo);
    appendLab.sshd.setAuthorizedKeys('root', [
      `command="rclone serve restic --stdio --append-only '${appendRepo}'",restrict ${appendLab.key.publicLine}`,
    ]);
  });
  afterAll(async () => {
    await sftpLab?.stop();
    await appendLab?.stop();
  });

  it('initialises and lists an SFTP repository', async () => {
    const target = sftpLab.sftpTarget(join(sftpLab.work, 'sftp repo'));
    expect(resticRepoArgs(target)[3]).toMatch(/^"sftp\.command=.*key\\ dir,\\ with\\ spaces/);
    const cache = join(sftpLab.work, 'cache');
    const init = await restic(target, ['init'], cache);
    expect(init.stderr).not.toMatch(/Fatal/);
    expect(init.exitCode).toBe(0);
    expect(init.stdout).toMatch(/created restic repository/);
    const snaps = await restic(target, ['snapshots', '--json'], cache);
    expect(snaps.exitCode).toBe(0);
    expect(JSON.parse(snaps.stdout)).toEqual([]);
    const backup = await restic(target, ['backup', '--json', sftpLab.sshd.dir], cache);
    expect(backup.exitCode).toBe(0);
    const after = await restic(target, ['snapshots', '--json'], cache);
    expect(JSON.parse(after.stdout)).toHaveLength(1);
  });

  it('initialises, backs up to and lists an append-only repository, and cannot forget', async () => {
    const target = appendLab.appendOnlyTarget();
    const cache = join(appendLab.work, 'cache');
    const init = await restic(target, ['init'], cache);
    expect(init.stderr).not.toMatch(/Fatal/);
    expect(init.exitCode).toBe(0);
    const backup = await restic(target, ['backup', '--json', appendLab.sshd.dir], cache);
    expect(backup.exitCode).toBe(0);
    const snaps = await restic(target, ['snapshots', '--json'], cache);
    expect(snaps.exitCode).toBe(0);
    const list = JSON.parse(snaps.stdout) as { id: string }[];
    expect(list).toHaveLength(1);
    const forget = await restic(target, ['forget', list[0]!.id], cache);
    expect(forget.exitCode).not.toBe(0);
  });

  it('surfaces ssh failures in restic stderr so classifySshFailure (or probeSsh) types them', async () => {
    for (const target of [
      { ...sftpLab.sftpTarget(join(sftpLab.work, 'sftp repo')), knownHosts: join(sftpLab.work, 'none') },
      { ...appendLab.appendOnlyTarget(), knownHosts: join(appendLab.work, 'none') },
    ]) {
      const r = await restic(target, ['snapshots'], join(sftpLab.work, 'cache'));
      expect(r.exitCode).toBe(1);
      // restic 0.14's sftp backend sometimes exits before relaying ssh's stderr, leaving only its own
      // "unable to start the sftp session" / "ssh command exited" text: then probeSsh names the cause.
      if (classifySshFailure(r.stderr)?.kind !== 'host-key-unknown') {
        expect(r.stderr).toMatch(RESTIC_LOST_SSH_ERROR);
        expect((await probeSsh(target))?.kind).toBe('host-key-unknown');
      }
    }
  });

  it('probeSsh passes for working targets', async () => {
    expect(await probeSsh(sftpLab.sftpTarget(join(sftpLab.work, 'sftp repo')))).toBeUndefined();
    expect(await probeSsh(appendLab.appendOnlyTarget())).toBeUndefined();
    expect(await probeSsh({ ...sftpLab.sftpTarget('/x'), sshKey: appendLab.key.privatePath })).toMatchObject({
      kind: 'permission-denied',
    });
  });
});
