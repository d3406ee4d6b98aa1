import { execFile } from 'node:child_process';
import { execa } from 'execa';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listTree, startTwoPiLab, writeRandomFiles, type TwoPiLab } from './lab-two-pi.js';

const execFileP = promisify(execFile);

/** Runs a program with stdin closed; returns its exit code and output, never throwing for a non-zero exit. */
async function attempt(cmd: string, args: string[]) {
  const r = await execa(cmd, args, { reject: false, stdin: 'ignore', timeout: 30_000, all: true });
  return { code: r.exitCode ?? -1, out: String(r.all ?? '') };
}

describe('least privilege of the onsite accounts', () => {
  let lab: TwoPiLab;
  let ssh: (key: string, user: string, ...cmd: string[]) => Promise<{ code: number; out: string }>;
  let rsyncAs: (key: string, ...args: string[]) => Promise<{ code: number; out: string }>;
  beforeAll(async () => {
    lab = await startTwoPiLab({ faultProxy: false });
    writeRandomFiles(join(lab.dir, 'ws'), 2, 100_000);
    await lab.restic(['backup', '--host', 'ws', join(lab.dir, 'ws')]);
    const base = (key: string) => [
      '-F',
      '/dev/null',
      '-i',
      key,
      '-p',
      String(lab.onsite.sshd.port),
      '-o',
      'BatchMode=yes',
      '-o',
      'IdentitiesOnly=yes',
      '-o',
      `UserKnownHostsFile=${lab.workstation.knownHosts}`,
      '-o',
      'StrictHostKeyChecking=yes',
    ];
    ssh = (key, user, ...cmd) => attempt('ssh', [...base(key), `${user}@127.0.0.1`, ...cmd]);
    rsyncAs = (key, ...args) => attempt('rsync', ['-e', ['ssh', ...base(key)].join(' '), ...args]);
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('the workstation key can add snapshots but cannot delete them (append-only)', async () => {
    const snaps = JSON.parse((await lab.restic(['snapshots', '--json'])).stdout) as { id: string }[];
    expect(snaps).toHaveLength(1);
    // restic retries a refused delete with backoff for a minute; the first refusal is the proof, so stop there.
    const forget = execa('restic', [...lab.workstation.resticRepoArgs, 'forget', snaps[0]!.id], {
      env: lab.workstation.env,
      reject: false,
      stdin: 'ignore',
    });
    let stderr = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no refusal seen: ${stderr}`)), 60_000);
      forget.stderr!.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (/Remove\(.*(403|Forbidden)/is.test(stderr)) {
          clearTimeout(timer);
          resolve();
        }
      });
      void forget.then(() => (clearTimeout(timer), resolve()));
    });
    forget.kill('SIGINT');
    const r = await forget;
    expect(r.exitCode).not.toBe(0);
    expect(stderr).toMatch(/403|Forbidden/);
    expect(readdirSync(join(lab.onsite.repo, 'snapshots'))).toHaveLength(1);
    expect(JSON.parse((await lab.restic(['snapshots', '--json'])).stdout)).toHaveLength(1);
  });

  it('the workstation key gets no shell and cannot read outside the repository', async () => {
    const u = lab.onsite.users.workstation;
    const shell = await ssh(lab.workstation.key, u, 'cat', '/etc/passwd; id');
    expect(shell.out).not.toMatch(/root:x:0:0|uid=\d+/);
    const pty = await attempt('ssh', [
      '-tt',
      '-F',
      '/dev/null',
      '-i',
      lab.workstation.key,
      '-p',
      String(lab.onsite.sshd.port),
      '-o',
      'BatchMode=yes',
      '-o',
      `UserKnownHostsFile=${lab.workstation.knownHosts}`,
      `${u}@127.0.0.1`,
    ]);
    expect(pty.out).not.toMatch(/\$ |# /);
    const sftp = await attempt('sftp', [
      '-b',
      '-',
      '-F',
      '/dev/null',
      '-i',
      lab.workstation.key,
      '-P',
      String(lab.onsite.sshd.port),
      '-o',
      'BatchMode=yes',
      '-o',
      `UserKnownHostsFile=${lab.workstation.knownHosts}`,
      `${u}@127.0.0.1`,
    ]);
    expect(sftp.code).not.toBe(0);
    const rs = await rsyncAs(lab.workstation.key, `${u}@127.0.0.1:/etc/passwd`, join(lab.dir, 'leak'));
    expect(rs.code).not.toBe(0);
    expect(existsSync(join(lab.dir, 'leak'))).toBe(false);
    // The same key on the status account reads the published document and nothing else.
    const st = await ssh(lab.workstation.key, lab.onsite.users.status, 'cat', '/etc/passwd');
    expect(st.out).not.toMatch(/root:x:0:0/);
  });

  it('the pull key reads the repository but cannot write, delete, or read outside it', async () => {
    const u = lab.onsite.users.pull;
    const before = listTree(lab.onsite.repo);
    const probe = join(lab.dir, 'probe');
    writeFileSync(probe, 'x');
    expect((await rsyncAs(lab.offsite.pullKey, probe, `${u}@127.0.0.1:probe`)).code).not.toBe(0);
    expect((await rsyncAs(lab.offsite.pullKey, probe, `${u}@127.0.0.1:data/`)).code).not.toBe(0);
    const emptyDir = join(lab.dir, 'empty');
    await execFileP('mkdir', ['-p', emptyDir]);
    expect(
      (await rsyncAs(lab.offsite.pullKey, '-r', '--delete', `${emptyDir}/`, `${u}@127.0.0.1:snapshots/`))
        .code,
    ).not.toBe(0);
    expect((await ssh(lab.offsite.pullKey, u, 'rm', '-rf', lab.onsite.repo)).code).not.toBe(0);
    expect(listTree(lab.onsite.repo)).toEqual(before);
    // Outside the repository: absolute paths and parent escapes are refused.
    for (const src of ['/etc/passwd', '../', '../../etc/passwd'])
      expect(
        (await rsyncAs(lab.offsite.pullKey, `${u}@127.0.0.1:${src}`, join(lab.dir, 'leak2'))).out,
      ).not.toMatch(/root:x:0:0/);
    expect(existsSync(join(lab.dir, 'leak2', 'passwd'))).toBe(false);
    // And it can read: a sync works.
    const out = await lab.sync();
    expect(out.result).toBe('ok');
  });

  it('the onsite Pi holds nothing that reaches the offsite Pi', async () => {
    // Pull model: the offsite runs no service for the onsite, and the onsite side holds only public keys.
    const onsiteTrees = [
      join(lab.dir, 'onsite'),
      lab.onsite.sshd.dir,
      ...Object.values(lab.onsite.users).map((u) => `/var/lib/${u}`),
    ];
    const offsiteKeys = [lab.offsite.pullKey, lab.offsite.statusKey].map((k) => readFileSync(k, 'utf8'));
    for (const root of onsiteTrees) {
      if (!existsSync(root)) continue;
      for (const f of listTree(root)) {
        const path = join(root, f);
        if (!statSync(path).isFile() || statSync(path).size > 1_000_000) continue;
        const text = readFileSync(path, 'utf8');
        if (f.startsWith('host_ed25519_key')) continue; // the onsite sshd's own host key
        expect(text, path).not.toMatch(/PRIVATE KEY/);
        for (const k of offsiteKeys) expect(text.includes(k.trim())).toBe(false);
      }
    }
    // The offsite config points only at the onsite host; nothing listens on the offsite side.
    expect(lab.offsite.config.offsite?.mode).toBe('pull');
  });
});
