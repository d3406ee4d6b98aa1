import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sshValue } from '../../contract/ssh-policy.js';
import { resticRepoArgs } from '../../core/ssh/repo-args.js';
import { SSH_PROGRAM, sshArgs, type SshEndpoint } from '../../core/ssh/ssh-options.js';
import { sshArgs as piSshArgs, rsyncRsh } from '../../pi/src/link/ssh.js';
import { userLikeDir } from '../lab/user-like-dir.js';
import { startSshLab, type SshLab } from './ssh-lab.js';

// A user whose own ~/.ssh/config asks for everything a compromised Pi would like to receive: the agent, a
// reverse tunnel, a local command, a shared master, a permissive host-key policy and another key. ssh reads
// ~ from the password database, not $HOME, so the test runs ssh as a user of its own.
const USER = 'restray-hostile';

describe("Restray's ssh ignores the user's own ~/.ssh/config", () => {
  let lab: SshLab;
  let home: string;
  let ep: SshEndpoint;
  let uid: number;
  let agentSock: string;
  const asUser = (program: string, args: string[], env: Record<string, string> = {}) =>
    execa(
      'runuser',
      [
        '-u',
        USER,
        '--',
        'env',
        `HOME=${home}`,
        ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
        program,
        ...args,
      ],
      {
        reject: false,
        stdin: 'ignore',
        timeout: 60_000,
      },
    );
  let plain: string;
  const marker = (name: string) => join(plain, name);

  beforeAll(async () => {
    lab = await startSshLab();
    home = userLikeDir('restray-hostile-');
    try {
      execFileSync('id', [USER], { stdio: 'ignore' });
    } catch {
      execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/bin/sh', USER]);
    }
    // ssh finds ~/.ssh/config through the password database's home, not $HOME.
    execFileSync('usermod', ['-d', home, USER]);
    uid = Number(execFileSync('id', ['-u', USER], { encoding: 'utf8' }).trim());
    // Every folder up to the home must be reachable for the user.
    for (let d = home; d !== '/tmp' && d !== '/'; d = join(d, '..')) chmodSync(d, 0o755);
    const keys = join(home, 'keys');
    mkdirSync(join(home, '.ssh'), { recursive: true });
    mkdirSync(keys);
    copyFileSync(lab.key.privatePath, join(keys, 'repo'));
    copyFileSync(lab.knownHosts, join(keys, 'known_hosts'));
    writeFileSync(join(home, '.ssh', 'evil_known_hosts'), '');
    agentSock = join(home, 'agent.sock');
    // Markers and the foreign control socket in a plain folder, which the config can name without quoting.
    plain = mkdtempSync(join(tmpdir(), 'restray-hostile-markers-'));
    chmodSync(plain, 0o777);
    writeFileSync(
      join(home, '.ssh', 'config'),
      [
        'Host *',
        '  ForwardAgent yes',
        '  ForwardX11 yes',
        '  RemoteForward 127.0.0.1:47999 127.0.0.1:22',
        '  LocalForward 127.0.0.1:47998 127.0.0.1:22',
        '  PermitLocalCommand yes',
        `  LocalCommand touch ${marker('local-command-ran')}`,
        '  ControlMaster auto',
        `  ControlPath ${plain}/cm-%C`,
        '  ControlPersist yes',
        '  StrictHostKeyChecking no',
        `  UserKnownHostsFile ${sshValue('UserKnownHostsFile', join(home, '.ssh', 'evil_known_hosts'), 'path')}`,
        `  IdentityFile ${plain}/id_evil`,
        '',
      ].join('\n'),
    );
    execFileSync('chown', ['-R', `${uid}`, home]);
    chmodSync(join(keys, 'repo'), 0o600);
    ep = { ...lab.endpoint(), sshKey: join(keys, 'repo'), knownHosts: join(keys, 'known_hosts') };
    // A real agent of the user's, with the repository key in it: forwarding it would hand it to the Pi.
    await asUser('ssh-agent', ['-a', agentSock]);
    await asUser('ssh-add', [ep.sshKey], { SSH_AUTH_SOCK: agentSock });
  });
  afterAll(async () => {
    await asUser('pkill', ['-u', USER, 'ssh-agent']).catch(() => undefined);
    await lab?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
    if (plain) rmSync(plain, { recursive: true, force: true });
  });

  it('the hostile config does take effect on a plain ssh (the control)', async () => {
    const r = await asUser(
      SSH_PROGRAM,
      [
        '-o',
        `IdentityFile=${sshValue('IdentityFile', ep.sshKey, 'path')}`,
        '-p',
        String(ep.port),
        '-o',
        'ControlPersist=no',
        `${ep.user}@${ep.host}`,
        'echo agent=$SSH_AUTH_SOCK',
      ],
      { SSH_AUTH_SOCK: agentSock },
    );
    expect(r.stdout, r.stderr).toMatch(/agent=\/tmp\/ssh-/);
    expect(existsSync(marker('local-command-ran'))).toBe(true);
    rmSync(marker('local-command-ran'));
  });

  it.each([
    ['the workstation', () => sshArgs(ep, ['echo agent=$SSH_AUTH_SOCK display=$DISPLAY'])],
    [
      'the Pi side',
      () => [
        ...piSshArgs(ep, { connectTimeout: 15, serverAliveInterval: 10, serverAliveCountMax: 3 }),
        `${ep.user}@${ep.host}`,
        'echo agent=$SSH_AUTH_SOCK display=$DISPLAY',
      ],
    ],
  ])(
    '%s: no agent, forwarding, local command or foreign master; only the pinned host key',
    async (_side, args) => {
      const before = lab.sshd.log().length;
      const r = await asUser(SSH_PROGRAM, args(), { SSH_AUTH_SOCK: agentSock, DISPLAY: ':0' });
      expect(r.exitCode).toBe(0);
      expect(r.stdout.trim()).toBe('agent= display=');
      expect(existsSync(marker('local-command-ran'))).toBe(false);
      expect(readdirSync(plain).filter((f) => f.startsWith('cm-'))).toEqual([]);
      const log = lab.sshd.log().slice(before);
      expect(log).not.toMatch(/tcpip-forward|forward.*47999|auth-agent|x11-req/i);
    },
  );

  it('restic through resticRepoArgs, run by that user, reaches the repository the same way', async () => {
    const repo = join(lab.work, 'repo');
    const target = { ...lab.sftpTarget(repo), sshKey: ep.sshKey, knownHosts: ep.knownHosts };
    const cache = join(home, 'cache');
    const r = await asUser('restic', [...resticRepoArgs(target), '--cache-dir', cache, 'init'], {
      RESTIC_PASSWORD: 'hostile-config-test',
      SSH_AUTH_SOCK: agentSock,
    });
    expect(r.stderr).not.toMatch(/Fatal/);
    expect(r.exitCode).toBe(0);
    expect(existsSync(marker('local-command-ran'))).toBe(false);
  });

  it("rsync's -e with the Pi side's quoting carries the escaped paths (rsync splits -e itself)", async () => {
    const t = { connectTimeout: 15, serverAliveInterval: 10, serverAliveCountMax: 3 };
    const src = join(home, 'payload');
    writeFileSync(src, 'carried');
    execFileSync('chown', [`${uid}`, src]);
    const dest = join(lab.work, 'rsync-dest');
    const r = await asUser('rsync', ['-e', rsyncRsh(ep, t), src, `${ep.user}@${ep.host}:${dest}`], {
      SSH_AUTH_SOCK: agentSock,
    });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(readFileSync(dest, 'utf8')).toBe('carried');
    expect(existsSync(marker('local-command-ran'))).toBe(false);
  });

  it('a host key that only the hostile config would accept is refused', async () => {
    writeFileSync(ep.knownHosts.replace(/known_hosts$/, 'empty_known_hosts'), '');
    const r = await asUser(
      SSH_PROGRAM,
      sshArgs({ ...ep, knownHosts: ep.knownHosts.replace(/known_hosts$/, 'empty_known_hosts') }, ['true']),
    );
    expect(r.exitCode).toBe(255);
    expect(r.stderr).toMatch(/Host key verification failed|No \S+ host key is known/);
  });
});
