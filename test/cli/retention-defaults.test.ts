import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { workstation } from './cli-lab.js';

describe('retention defaults keep what users expect (real restic)', () => {
  it('keeps every backup of the day by default and refuses a policy that keeps nothing', async () => {
    const ws = workstation();
    const src = mkdtempSync(join(tmpdir(), 'restray-ret-src-'));
    writeFileSync(join(src, 'a.txt'), 'morning');
    const repo = join(mkdtempSync(join(tmpdir(), 'restray-ret-repo-')), 'repo');
    expect(
      (await ws.run(['repo', 'add', 'usb', '--url', repo, '--init'], { input: 'retention-pw\n' })).exitCode,
    ).toBe(0);

    const nothing = await ws.run([
      'plan',
      'add',
      'home',
      '--repo',
      'usb',
      '--path',
      src,
      '--keep-daily',
      '0',
    ]);
    expect(nothing.exitCode).toBe(2);
    expect(nothing.stderr).toMatch(/^restray: Plan "home" would keep no snapshot/);
    expect(nothing.stderr.trim().split('\n')).toHaveLength(1);

    expect((await ws.run(['plan', 'add', 'home', '--repo', 'usb', '--path', src])).exitCode).toBe(0);
    const list = JSON.parse((await ws.run(['plan', 'list', '--json'])).stdout) as { retention: unknown }[];
    expect(list[0]!.retention).toEqual({ keepWithin: '48h', keepDaily: 7, keepWeekly: 4, keepMonthly: 12 });

    // Three backups within minutes, each followed by the plan's forget: "this morning's version" stays.
    for (const text of ['morning', 'noon', 'evening']) {
      writeFileSync(join(src, 'a.txt'), text);
      const b = await ws.run(['backup', 'home']);
      expect(b.exitCode, b.stderr).toBe(0);
    }
    const snaps = JSON.parse((await ws.run(['snapshots', 'usb', '--json'])).stdout) as unknown[];
    expect(snaps).toHaveLength(3);
  });
});
