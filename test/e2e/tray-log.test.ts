import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngineForApp } from '../../electron/main/engine-factory.js';
import { waitFor, workstation } from '../cli/cli-lab.js';

const saved = { ...process.env };
afterEach(() => {
  for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
  Object.assign(process.env, saved);
});

describe('the tray app log', () => {
  it('the engine main creates logs each backup to <logDir>/restray-tray.log, never the password', async () => {
    const ws = workstation();
    const password = 'tray-log-secret-pw';
    const src = mkdtempSync(join(tmpdir(), 'restray-tlog-src-'));
    writeFileSync(join(src, 'a.txt'), 'a');
    const repo = join(mkdtempSync(join(tmpdir(), 'restray-tlog-repo-')), 'repo');
    const added = await ws.run(['repo', 'add', 'usb', '--url', repo, '--init'], { input: `${password}\n` });
    expect(added.exitCode, added.stderr).toBe(0);
    const plan = await ws.run(['plan', 'add', 'home', '--repo', 'usb', '--path', src]);
    expect(plan.exitCode, plan.stderr).toBe(0);

    // The same environment the app would start in: the lab keyring, this RESTRAY_HOME.
    Object.assign(process.env, ws.env);
    const bugs: unknown[] = [];
    const handle = await createEngineForApp((e) => bugs.push(e));
    try {
      await handle.port.backupNow({ plan: 'home' });
      const log = join(ws.home, 'logs', 'restray-tray.log');
      const read = () => (existsSync(log) ? readFileSync(log, 'utf8') : '');
      await waitFor(
        () => /backup home (success|failed|partial)/.test(read()),
        'the backup in the log',
        120_000,
      );
      const lines = read().trimEnd().split('\n');
      expect(lines[0]).toMatch(/^\S+Z INFO backup home started \(manual\)$/);
      expect(lines[1]).toMatch(/^\S+Z INFO backup home success: snapshot [0-9a-f]{8}$/);
      expect(read()).not.toContain(password);
      expect(bugs).toEqual([]);
    } finally {
      await handle.close();
    }
  });
});
