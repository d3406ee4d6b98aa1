import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { localPlan, waitFor, workstation, type Workstation } from './cli-lab.js';

const PASSWORD = 'repo-lock-test-password';

/** PIDs of restic processes working on `repo`, and each one's parent. */
function resticsOn(repo: string): { pid: number; ppid: number }[] {
  const out: { pid: number; ppid: number }[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const argv = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
      if (!argv[0]?.endsWith('restic') || !argv.includes(repo)) continue;
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      out.push({ pid: Number(p), ppid: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

async function slowPlan(ws: Workstation): Promise<string> {
  const files = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`data/f${i}`, 4_000_000]));
  // A slow upload keeps the first backup running long enough for the second to find it.
  return (await localPlan(ws, { password: PASSWORD, files, planArgs: ['--limit-upload', '1500'] })).repo;
}

describe('one restic per repository across Restray processes', () => {
  it('a second backup of the same plan waits for the first, says for whom, and never starts a second restic', async () => {
    const ws = workstation();
    const repo = await slowPlan(ws);
    const first = ws.run(['backup', 'home']);
    await waitFor(() => resticsOn(repo).length > 0, 'the first backup’s restic');
    let most = 0;
    let done = false;
    const watch = (async () => {
      while (!done) {
        most = Math.max(most, resticsOn(repo).length);
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    const second = ws.run(['backup', 'home']);
    const [a, b] = await Promise.all([first, second]);
    done = true;
    await watch;
    expect(a.exitCode, a.stderr).toBe(0);
    expect(b.exitCode, b.stderr).toBe(0);
    expect(b.stderr).toMatch(
      /A backup of "home" is already running in another restray command \(process \d+\); waiting for it to finish\./,
    );
    expect(most).toBe(1);
    const snaps = await ws.run(['snapshots', 'usb', '--json']);
    expect(JSON.parse(snaps.stdout)).toHaveLength(2);
  });

  it('takes over from a process killed with -9 instead of waiting for it forever', async () => {
    const ws = workstation();
    const repo = await slowPlan(ws);
    const first = ws.run(['backup', 'home']);
    const [r] = await waitFor(() => {
      const found = resticsOn(repo);
      return found.length > 0 ? found : undefined;
    }, 'the first backup’s restic');
    const second = ws.run(['backup', 'home']);
    let said = '';
    second.stderr?.on('data', (d: Buffer) => (said += d.toString()));
    await waitFor(() => /waiting for it to finish/.test(said), 'the second backup to wait');
    expect(resticsOn(repo)).toHaveLength(1);
    // The second is waiting now (its restic has not started); kill the first and its restic at once.
    process.kill(r!.ppid, 'SIGKILL');
    process.kill(r!.pid, 'SIGKILL');
    await first;
    const b = await second;
    expect(b.exitCode, b.stderr).toBe(0);
    const snaps = await ws.run(['snapshots', 'usb', '--json']);
    expect(JSON.parse(snaps.stdout)).toHaveLength(1);
    const check = await ws.run(['check', 'usb']);
    expect(check.exitCode, check.stderr).toBe(0);
  });
});
