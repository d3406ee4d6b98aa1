import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateRepoKey } from '../../core/ssh/keys.js';
import { classifySshFailure } from '../../core/ssh/ssh-errors.js';
import { SSH_PROGRAM, sshArgs, type SshEndpoint } from '../../core/ssh/ssh-options.js';
import { startFaultProxy, type FaultProxy } from '../lab/fault-proxy.js';
import { startSshLab, waitFor, type SshLab } from './ssh-lab.js';

const runSsh = (e: SshEndpoint, remote: string[]) =>
  execa(SSH_PROGRAM, sshArgs(e, remote), { reject: false, stdin: 'ignore', timeout: 120_000 });

describe('ssh with the common options against a real sshd', () => {
  let lab: SshLab;
  let proxy: FaultProxy;
  beforeAll(async () => {
    lab = await startSshLab();
    proxy = await startFaultProxy(lab.sshd.port);
    lab.pinPort(proxy.port);
  });
  afterAll(async () => {
    await proxy?.stop();
    await lab?.stop();
  });

  it('logs in with the repository key only', async () => {
    const r = await runSsh(lab.endpoint(), ['id', '-un']);
    expect(r.stdout.trim()).toBe('root');
    expect(lab.sshd.log()).toMatch(/Accepted publickey for root/);
  });

  it('reports a key the Pi does not know as permission-denied', async () => {
    const other = await generateRepoKey(join(lab.work, 'other-keys'), 'unknown');
    const r = await runSsh({ ...lab.endpoint(), sshKey: other.privatePath }, ['true']);
    expect(r.exitCode).toBe(255);
    expect(classifySshFailure(r.stderr)?.kind).toBe('permission-denied');
  });

  it('reports a user the Pi does not allow as permission-denied', async () => {
    const r = await runSsh({ ...lab.endpoint(), user: 'nobody' }, ['true']);
    expect(r.exitCode).toBe(255);
    expect(classifySshFailure(r.stderr)?.kind).toBe('permission-denied');
  });

  it('reports a connection reset by the network as network', async () => {
    proxy.refuse(true);
    try {
      const r = await runSsh(lab.endpoint(proxy.port), ['true']);
      expect(r.exitCode).toBe(255);
      expect(classifySshFailure(r.stderr)?.kind).toBe('network');
    } finally {
      proxy.refuse(false);
    }
  });

  it('ends a session whose link stalls within 60 s (ServerAlive), as network', async () => {
    const session = runSsh(lab.endpoint(proxy.port), ['echo', 'running;', 'exec', 'sleep', '300']);
    // Stall only once the session runs, so it is ServerAlive (not ConnectTimeout) that ends it.
    let out = '';
    session.stdout.on('data', (b: Buffer) => (out += b.toString()));
    await waitFor(() => out.includes('running'), 20_000, 'remote command running');
    const stalledAt = Date.now();
    proxy.stall();
    try {
      const r = await session;
      const seconds = (Date.now() - stalledAt) / 1000;
      expect(r.exitCode).toBe(255);
      expect(seconds).toBeLessThan(60);
      // 3 unanswered keepalives at 10 s intervals.
      expect(seconds).toBeGreaterThan(20);
      const e = classifySshFailure(r.stderr);
      expect(e?.kind).toBe('network');
      expect(e?.message).toMatch(/timed out/);
    } finally {
      proxy.cut();
      proxy.resume();
    }
  });

  it('gives up on a host that accepts TCP but never speaks SSH within ConnectTimeout (15 s)', async () => {
    proxy.stall();
    try {
      const started = Date.now();
      const r = await runSsh(lab.endpoint(proxy.port), ['true']);
      const seconds = (Date.now() - started) / 1000;
      expect(r.exitCode).toBe(255);
      expect(seconds).toBeLessThan(30);
      expect(classifySshFailure(r.stderr)?.kind).toBe('network');
    } finally {
      proxy.cut();
      proxy.resume();
    }
  });
});
