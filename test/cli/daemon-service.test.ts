import { execa } from 'execa';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { launchAgentPlist, systemdExecLine } from '../../cli/daemon-service.js';
import { userLikeDir } from '../lab/user-like-dir.js';
import { filesBelow, localPlan, waitFor, workstation } from './cli-lab.js';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'restray.mjs');

describe('restray daemon --install / --uninstall (Linux, systemd user unit)', () => {
  it('writes a unit systemd-analyze accepts, prints the systemctl steps, and --uninstall removes it all', async () => {
    const ws = workstation();
    const home = userLikeDir('restray-svc-home-');
    const configHome = join(home, 'config dir');
    // The launcher reached through a folder whose name needs quoting (space, %, apostrophe, non-ASCII).
    const linkDir = userLikeDir('restray-svc-bin-');
    const linkedBin = join(linkDir, 'restray.mjs');
    symlinkSync(bin, linkedBin);
    const env = { ...ws.env, HOME: home, XDG_CONFIG_HOME: configHome, RESTRAY_NO_SERVICE_MANAGER: '1' };
    const run = (args: string[], extra: Record<string, string> = {}) =>
      execa(process.execPath, [linkedBin, ...args], {
        env: { ...env, ...extra },
        reject: false,
        stdin: 'ignore',
        timeout: 120_000,
      });

    const installed = await run(['daemon', '--install']);
    expect(installed.exitCode, installed.stderr).toBe(0);
    const unitFile = join(configHome, 'systemd', 'user', 'restray.service');
    const unit = readFileSync(unitFile, 'utf8');
    const q = (s: string) => `"${s.replace(/%/g, '%%')}"`;
    expect(unit).toContain(`ExecStart=${q(process.execPath)} ${q(linkedBin)} daemon\n`);
    expect(unit).toContain(`Environment=${q(`RESTRAY_HOME=${ws.home}`)}\n`);
    expect(installed.stderr).toContain(`wrote ${unitFile}`);
    expect(installed.stderr).toMatch(
      /run these commands[^\n]*:\n {2}systemctl --user daemon-reload\n {2}systemctl --user enable --now restray\.service$/,
    );

    // systemd's own parser on the written file (no systemd is started: verify only loads the unit).
    const runtime = mkdtempSync(join(tmpdir(), 'restray-svc-run-'));
    const verify = await execa('systemd-analyze', ['--user', 'verify', unitFile], {
      env: { ...process.env, XDG_RUNTIME_DIR: runtime, HOME: home, XDG_CONFIG_HOME: configHome },
      reject: false,
      timeout: 60_000,
    });
    expect(verify.exitCode, verify.stderr).toBe(0);
    expect(verify.stderr).not.toContain('restray.service');

    // What `systemctl --user enable` would have made; --uninstall removes it too.
    const wants = join(configHome, 'systemd', 'user', 'default.target.wants');
    mkdirSync(wants);
    symlinkSync(unitFile, join(wants, 'restray.service'));
    const removed = await run(['daemon', '--uninstall']);
    expect(removed.exitCode, removed.stderr).toBe(0);
    expect(existsSync(unitFile)).toBe(false);
    expect(readdirSync(wants)).toEqual([]);
    expect(removed.stderr).toContain(`removed ${unitFile}`);
    expect(removed.stderr).toMatch(/^ {2}systemctl --user daemon-reload$/m);

    const again = await run(['daemon', '--uninstall'], { LANG: 'de_DE.UTF-8' });
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stderr).toBe('restray: es war kein Restray-Dienst eingerichtet');

    const both = await run(['daemon', '--install', '--uninstall']);
    expect(both.exitCode).toBe(2);
    expect(both.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('systemd quoting, checked by systemd', () => {
  it('a program path with spaces, quotes, %, $ and a backslash resolves to the real file', async () => {
    const dir = join(userLikeDir('restray-sdq-'), 'a "q" $HOME \\b %n');
    mkdirSync(dir, { recursive: true });
    const program = join(dir, 'prog');
    symlinkSync('/bin/true', program);
    const unitDir = mkdtempSync(join(tmpdir(), 'restray-sdq-unit-'));
    const verify = async (execStart: string) => {
      writeFileSync(
        join(unitDir, 'restray.service'),
        `[Unit]\nDescription=quoting\n[Service]\nExecStart=${execStart} daemon\n[Install]\nWantedBy=default.target\n`,
      );
      const runtime = mkdtempSync(join(tmpdir(), 'restray-sdq-run-'));
      return execa('systemd-analyze', ['--user', 'verify', join(unitDir, 'restray.service')], {
        env: { ...process.env, XDG_RUNTIME_DIR: runtime },
        reject: false,
        timeout: 60_000,
      });
    };
    // systemd refuses a program path with quotes or a backslash outright; it goes through /usr/bin/env, and
    // systemd accepts that line (that it unquotes env's argument right is the unit test's part).
    const viaEnv = systemdExecLine([program, 'daemon']);
    expect(viaEnv).toMatch(/^\/usr\/bin\/env "/);
    const good = await verify(viaEnv);
    expect(good.exitCode, good.stderr).toBe(0);
    expect(good.stderr).not.toContain('restray.service');
    // A program path with space, %, $ and non-ASCII stays the program, and systemd finds the file.
    const plainDir = join(userLikeDir('restray-sdq-'), 'b $HOME %n');
    mkdirSync(plainDir, { recursive: true });
    symlinkSync('/bin/true', join(plainDir, 'prog'));
    const plain = await verify(systemdExecLine([join(plainDir, 'prog'), 'daemon']));
    expect(plain.exitCode, plain.stderr).toBe(0);
    expect(plain.stderr).not.toContain('restray.service');
    // The check has teeth: the same path with its % left single is not found.
    const naive = await verify(`"${join(plainDir, 'prog')}" daemon`);
    expect(naive.exitCode).not.toBe(0);
  });
});

describe('the LaunchAgent plist (macOS, by content)', () => {
  it('parses with a real plist reader to exactly the arguments and environment given', async () => {
    const tricky = userLikeDir('restray-plist-') + ' & <R&D> "q"';
    const cmd = {
      node: `${tricky}/node`,
      bin: `${tricky}/restray.mjs`,
      restrayHome: tricky,
      path: '/usr/bin:/bin',
    };
    const parsed = await execa(
      'python3',
      ['-c', 'import plistlib,sys,json; print(json.dumps(plistlib.loads(sys.stdin.buffer.read())))'],
      { input: launchAgentPlist(cmd, `${tricky}/Logs`) },
    );
    expect(JSON.parse(parsed.stdout)).toEqual({
      Label: 'org.restray.daemon',
      ProgramArguments: [cmd.node, cmd.bin, 'daemon'],
      EnvironmentVariables: { RESTRAY_HOME: tricky, PATH: '/usr/bin:/bin' },
      RunAtLoad: true,
      KeepAlive: { SuccessfulExit: false },
      ProcessType: 'Background',
      ExitTimeOut: 90,
      StandardOutPath: `${tricky}/Logs/restray-daemon.stdout.log`,
      StandardErrorPath: `${tricky}/Logs/restray-daemon.stderr.log`,
    });
  });
});

describe('restray daemon --install with a reachable user manager', () => {
  it('calls daemon-reload then enable --now; a refusal is one line with the reason, exit 1', async () => {
    const ws = workstation();
    const home = userLikeDir('restray-svc-home-');
    // A user manager's socket, and a stand-in systemctl first on PATH that records its arguments (a test must
    // never enable a real service); it refuses `enable` when told to.
    const runtime = mkdtempSync(join(tmpdir(), 'restray-svc-run-'));
    mkdirSync(join(runtime, 'systemd'));
    writeFileSync(join(runtime, 'systemd', 'private'), '');
    const fakeBin = mkdtempSync(join(tmpdir(), 'restray-svc-fake-'));
    const calls = join(fakeBin, 'calls');
    writeFileSync(
      join(fakeBin, 'systemctl'),
      `#!/bin/sh\necho "$*" >> '${calls}'\nif [ "$2" = enable ] && [ -n "$REFUSE" ]; then echo 'Failed to enable unit: Access denied' >&2; exit 1; fi\n`,
      { mode: 0o755 },
    );
    const env = {
      ...ws.env,
      HOME: home,
      XDG_RUNTIME_DIR: runtime,
      PATH: `${fakeBin}:${process.env.PATH ?? ''}`,
    };
    const ok = await ws.run(['daemon', '--install'], { env });
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(readFileSync(calls, 'utf8')).toBe('--user daemon-reload\n--user enable --now restray.service\n');
    expect(ok.stderr).toMatch(/the daemon runs now and at every login$/);
    expect(readFileSync(join(home, '.config', 'systemd', 'user', 'restray.service'), 'utf8')).toContain(
      `Environment="PATH=${fakeBin}:`,
    );

    const refused = await ws.run(['daemon', '--install'], { env: { ...env, REFUSE: '1' } });
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(
      /The service manager refused: systemctl --user enable --now restray\.service: Failed to enable unit: Access denied/,
    );
    expect(refused.stderr).not.toMatch(/\n\s+at /); // no stack trace

    writeFileSync(calls, '');
    const removed = await ws.run(['daemon', '--uninstall'], { env });
    expect(removed.exitCode, removed.stderr).toBe(0);
    expect(readFileSync(calls, 'utf8')).toBe('--user disable --now restray.service\n--user daemon-reload\n');
    expect(existsSync(join(home, '.config', 'systemd', 'user', 'restray.service'))).toBe(false);
  });
});

describe('the daemon log', () => {
  it('a daemon run that backs up leaves timestamped lines (never the password) in the log folder', async () => {
    const ws = workstation();
    const password = 'daemon-log-secret-pw';
    await localPlan(ws, { password, files: { 'a.txt': 'a' }, planArgs: ['--schedule', '0 3 * * *'] });
    // The 03:00 slot counts as missed (last handled two days ago): the daemon makes it up at start.
    mkdirSync(join(ws.home, 'state'), { recursive: true });
    writeFileSync(
      join(ws.home, 'state', 'schedule.json'),
      JSON.stringify({ home: new Date(Date.now() - 2 * 86_400_000).toISOString() }),
    );

    const daemon = ws.run(['daemon']);
    const log = join(ws.home, 'logs', 'restray-daemon.log');
    const read = () => (existsSync(log) ? readFileSync(log, 'utf8') : '');
    await waitFor(
      () => /backup home (success|failed|partial)/.test(read()),
      'the backup in the log',
      120_000,
    );
    daemon.kill('SIGTERM');
    const end = await daemon;
    expect(end.exitCode, end.stderr).toBe(0);

    const lines = read().trimEnd().split('\n');
    const stamp = String.raw`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z`;
    expect(lines[0]).toMatch(new RegExp(`${stamp} INFO daemon started \\(process \\d+\\)$`));
    expect(lines).toContainEqual(
      expect.stringMatching(new RegExp(`${stamp} INFO backup home started \\(catch-up\\)$`)),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(new RegExp(`${stamp} INFO backup home success: snapshot [0-9a-f]{8}$`)),
    );
    expect(lines.at(-1)).toMatch(new RegExp(`${stamp} INFO daemon stopped$`));
    for (const f of filesBelow(join(ws.home, 'logs'))) expect(f.content.toString()).not.toContain(password);
  });
});
