import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultProxy } from './fault-proxy.js';
import { generateKey, processAlive, startSshd, type LabSshd } from './sshd.js';

describe('lab sshd and fault proxy', () => {
  let sshd: LabSshd;
  let proxy: FaultProxy;
  let work: string;
  let key: { privatePath: string; publicLine: string };
  let knownHosts: string;

  const ssh = (port: number, user: string, ...cmd: string[]) =>
    execa(
      'ssh',
      [
        ...['-i', key.privatePath, '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes'],
        ...['-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${knownHosts}`],
        ...['-o', 'ConnectTimeout=10', '-p', String(port), `${user}@127.0.0.1`, ...cmd],
      ],
      { reject: false, timeout: 60_000 },
    );

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'restray-lab-test-'));
    key = await generateKey(work, 'client');
    sshd = await startSshd({
      users: ['root', 'restray-lab'],
      authorizedKeys: { root: [key.publicLine], 'restray-lab': [key.publicLine] },
    });
    proxy = await startFaultProxy(sshd.port);
    knownHosts = join(work, 'known_hosts');
    writeFileSync(knownHosts, `${sshd.knownHostsLine()}\n${sshd.knownHostsLine('127.0.0.1', proxy.port)}\n`);
  });
  afterAll(async () => {
    await proxy?.stop();
    await sshd?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('accepts the authorised key for root and for a created user', async () => {
    const root = await ssh(sshd.port, 'root', 'id', '-un');
    expect(root.stderr).toBe('');
    expect(root.stdout.trim()).toBe('root');
    const user = await ssh(sshd.port, 'restray-lab', 'id', '-un');
    expect(user.stdout.trim()).toBe('restray-lab');
  });

  it('serves the host key it advertises', async () => {
    const scan = await execa('ssh-keyscan', ['-t', 'ed25519', '-p', String(sshd.port), '127.0.0.1']);
    expect(scan.stdout.trim()).toBe(sshd.knownHostsLine());
  });

  it('applies new authorized_keys without a restart', async () => {
    sshd.setAuthorizedKeys('restray-lab', []);
    const denied = await ssh(sshd.port, 'restray-lab', 'true');
    expect(denied.exitCode).toBe(255);
    expect(denied.stderr).toMatch(/Permission denied/);
    sshd.setAuthorizedKeys('restray-lab', [key.publicLine]);
    expect((await ssh(sshd.port, 'restray-lab', 'true')).exitCode).toBe(0);
  });

  it('forwards through the proxy and counts bytes', async () => {
    const before = { ...proxy.bytes };
    const r = await ssh(proxy.port, 'root', 'head', '-c', '100000', '/dev/zero');
    expect(r.exitCode).toBe(0);
    expect(r.stdout.length).toBe(100000);
    expect(proxy.bytes.down - before.down).toBeGreaterThan(100000);
    expect(proxy.bytes.up).toBeGreaterThan(before.up);
  });

  it('resets new connections while refusing', async () => {
    proxy.refuse(true);
    try {
      const r = await ssh(proxy.port, 'root', 'true');
      expect(r.exitCode).toBe(255);
      expect(r.stderr).toMatch(/Connection (reset|closed)|kex_exchange_identification/);
    } finally {
      proxy.refuse(false);
    }
    expect((await ssh(proxy.port, 'root', 'true')).exitCode).toBe(0);
  });

  it('cuts open sessions', async () => {
    const session = ssh(proxy.port, 'root', 'echo', '$$;', 'exec', 'sleep', '60');
    // Wait until the session runs (it printed its pid), not just authenticated, so the cut hits a channel.
    await remotePid(session);
    proxy.cut();
    const r = await session;
    expect(r.exitCode).toBe(255);
    expect(r.stderr).toMatch(/Connection reset|Broken pipe|closed/);
  });

  it('stall then resume lets a session finish', async () => {
    proxy.stall();
    const before = { ...proxy.bytes };
    const session = ssh(proxy.port, 'root', 'echo', 'through');
    await waitFor(() => proxy.connections() > 0, 10_000);
    // Both sides send their SSH banner at once; while stalled none of it is forwarded.
    expect(proxy.bytes).toEqual(before);
    proxy.resume();
    const r = await session;
    expect(r.stdout.trim()).toBe('through');
  });

  it('stops without leaving sessions behind', async () => {
    const extra = await startSshd({ authorizedKeys: { root: [key.publicLine] } });
    writeFileSync(knownHosts, `${extra.knownHostsLine()}\n`, { flag: 'a' });
    const session = ssh(extra.port, 'root', 'echo', '$$;', 'exec', 'sleep', '61');
    const pid = await remotePid(session);
    await extra.stop();
    const r = await session;
    expect(r.exitCode).not.toBe(0);
    // The session's process (the sshd lab runs on this machine) is gone too.
    expect(processAlive(pid)).toBe(false);
  });
});

/** The pid a remote `echo $$; exec …` printed first, read from the running ssh's stdout (15 s deadline). */
function remotePid(session: ResultPromise): Promise<number> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('remote command did not start within 15 s')), 15_000);
    session.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /^(\d+)\n/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
  });
}

async function waitFor(cond: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
