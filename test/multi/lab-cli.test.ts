import { execa, type ResultPromise } from 'execa';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AppState } from '../../contract/app-state.js';
import { waitFor } from '../cli/cli-lab.js';
import { listTree } from '../pi/lab-two-pi.js';
import { RESTRAY_BIN } from '../lab/lab-workstation.js';

const root = join(import.meta.dirname, '..', '..');
const tsx = join(root, 'node_modules', '.bin', 'tsx');

/** Undoes shellWord: a bare word or one '…' word with '\'' escapes. */
function unquote(word: string): string {
  return word.startsWith("'") ? word.slice(1, -1).replace(/'\\''/g, "'") : word;
}

function accountExists(user: string): boolean {
  try {
    execFileSync('getent', ['passwd', user], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

/**
 * `npm run lab`'s entry as a newcomer uses it: start it, wait for "ready", paste the printed export line and
 * commands (backup, status, restore from offsite) into a shell, see the chain become safe, press Ctrl-C, and find
 * nothing left behind: no lab accounts, no sshd, no keyring session, no folders.
 */
describe('npm run lab (tsx test/lab/cli.ts)', () => {
  let lab: ResultPromise | undefined;
  let out = '';
  afterAll(async () => {
    // Only if the test failed before its own Ctrl-C: the lab cleans up on SIGINT.
    if (lab && lab.exitCode === null) {
      lab.kill('SIGINT');
      await Promise.race([lab, new Promise((r) => setTimeout(r, 30_000))]).catch(() => undefined);
    }
  });

  it('starts the chain, prints how to use it, backs up to safe, and removes everything on Ctrl-C', async () => {
    const t0 = Date.now();
    // No Secret Service in the environment: the lab starts its own keyring session, as on a server or in sudo.
    const { DBUS_SESSION_BUS_ADDRESS: _bus, ...env } = process.env;
    lab = execa(tsx, ['test/lab/cli.ts', '--sync-every', '1'], {
      cwd: root,
      env,
      extendEnv: false,
      reject: false,
      all: true,
    });
    lab.all!.on('data', (c: Buffer) => void (out += c.toString('utf8')));
    await waitFor(
      () => out.includes('Ctrl-C stops the lab') || lab!.exitCode !== null,
      'the lab to print "ready" and its instructions',
      90_000,
    );
    expect(out, out).toMatch(/Restray lab ready\./);
    const readyAfter = Date.now() - t0;

    const exportLine = /^ {2}(export RESTRAY_HOME=.*)$/m.exec(out)?.[1];
    expect(exportLine, out).toBeDefined();
    const vars = Object.fromEntries(
      [...exportLine!.matchAll(/([A-Z_]+)=('(?:[^']|'\\'')*'|\S+)/g)].map((m) => [m[1]!, unquote(m[2]!)]),
    );
    expect(Object.keys(vars).sort()).toEqual(['DBUS_SESSION_BUS_ADDRESS', 'RESTRAY_HOME']);
    const printed = [...out.matchAll(/^ {2}(npx restray .*?)(?:\s+#.*)?$/gm)].map((m) => m[1]!);
    const backupCmd = printed.find((c) => c.startsWith('npx restray backup'));
    const statusCmd = printed.find((c) => c === 'npx restray status');
    const restoreCmd = printed.find((c) => c.includes('--from offsite'));
    expect([backupCmd, statusCmd, restoreCmd], out).not.toContain(undefined);

    // Exactly as pasted into a shell in the project folder.
    const shell = (cmd: string) =>
      execa('sh', ['-c', `cd ${root} && ${exportLine} && ${cmd}`], { reject: false, env });
    const backup = await shell(backupCmd!);
    expect(backup.exitCode, backup.stderr).toBe(0);
    expect(backup.stdout).toMatch(/Snapshot [0-9a-f]{8} saved/);
    const snapshot = /Snapshot ([0-9a-f]{8}) saved/.exec(backup.stdout)![1]!;
    const status = await shell(statusCmd!);
    expect(status.exitCode, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/^pi: /m);

    // The offsite loop pulls within seconds: wait on the chain, through the same CLI (bin directly, no npx).
    const backupToSafe = Date.now();
    const chain = await waitFor(
      async () => {
        const r = await execa(process.execPath, [RESTRAY_BIN, 'status', '--json'], {
          env: { ...env, ...vars },
          reject: false,
        });
        if (r.exitCode !== 0) throw new Error(r.stderr);
        const c = (JSON.parse(r.stdout) as Pick<AppState, 'repos'>).repos[0]!.chain;
        return c.verdict === 'safe' ? c : undefined;
      },
      'the lab chain to become safe',
      60_000,
    );
    const safeAfter = Date.now() - backupToSafe;
    expect(chain.offsite.newestConfirmed?.id.startsWith(snapshot)).toBe(true);
    expect(out).toMatch(/offsite Pi: generation \d{8}T\d{6}Z verified/);

    const restore = await shell(restoreCmd!);
    expect(restore.exitCode, restore.stderr).toBe(0);
    const target = unquote(/--target (\S+)/.exec(restoreCmd!)![1]!);
    const sample = /plan "demo" backs up (\S+)/.exec(out)![1]!;
    const restored = join(target, sample);
    expect(listTree(restored)).toEqual(listTree(sample));
    for (const f of listTree(sample))
      expect(readFileSync(join(restored, f)).equals(readFileSync(join(sample, f)))).toBe(true);

    // What the lab created, from what it printed.
    const onsite =
      /accounts (\S+) \(restic[^)]*\), (\S+) \(offsite pull[^)]*\), (\S+) \(offsite status\)/.exec(out);
    const restoreUser = /restore account (\S+)/.exec(out)?.[1];
    const accounts = [...(onsite?.slice(1) ?? []), restoreUser];
    expect(
      accounts.every((a) => a && accountExists(a)),
      out,
    ).toBe(true);
    const ports = [...out.matchAll(/127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1]));
    expect(ports.length).toBeGreaterThanOrEqual(3);
    const dirs = [
      vars.RESTRAY_HOME!,
      /repository (\/\S+)/.exec(out)![1]!,
      /store (\/\S+),/.exec(out)![1]!,
      sample,
    ];
    const busSocket = /unix:path=([^,]+)/.exec(vars.DBUS_SESSION_BUS_ADDRESS!)?.[1];

    const stopAt = Date.now();
    lab.kill('SIGINT');
    const exit = await lab;
    const stopTook = Date.now() - stopAt;
    expect(exit.exitCode, out).toBe(0);
    expect(out).toMatch(/lab stopped: processes, accounts and folders removed/);
    for (const a of accounts) expect(accountExists(a!), `account ${a}`).toBe(false);
    for (const p of ports) expect(await listening(p), `port ${p}`).toBe(false);
    for (const d of dirs) expect(existsSync(d), d).toBe(false);
    if (busSocket) expect(existsSync(busSocket), busSocket).toBe(false);
    console.info(
      `lab: ready after ${readyAfter} ms, backup → safe in ${safeAfter} ms, Ctrl-C → clean in ${stopTook} ms`,
    );
  });
});
