import { describe, expect, it } from 'vitest';
import { localPlan, waitFor, workstation } from './cli-lab.js';

describe('one scheduling process per configuration', () => {
  it('a second daemon leaves the schedules to the first, says so, and takes over when the first is killed', async () => {
    const ws = workstation();
    await localPlan(ws, {
      password: 'daemon-lock-pw',
      files: { 'a.txt': 'a' },
      planArgs: ['--schedule', '0 3 * * *'],
    });

    const before = await ws.run(['status']);
    expect(before.stdout).toMatch(
      /plan home: last never, next not scheduled: neither the tray app nor the Restray daemon is running/,
    );

    let said1 = '';
    const first = ws.run(['daemon']);
    first.stderr?.on('data', (d: Buffer) => (said1 += d.toString()));
    await waitFor(() => /daemon running/.test(said1), 'the first daemon');
    const status = await ws.run(['status']);
    expect(status.stdout).toMatch(/plan home: last never, next \S+T03:00:00\.000Z \(the Restray daemon\)/);
    const list = await ws.run(['plan', 'list']);
    expect(list.stdout).toMatch(/home\t.*0 3 \* \* \*\tlast never, next \S+ \(the Restray daemon\)/);

    let said2 = '';
    const second = ws.run(['daemon']);
    second.stderr?.on('data', (d: Buffer) => (said2 += d.toString()));
    await waitFor(
      () =>
        /the Restray daemon \(process \d+\) runs the schedules of this configuration; this daemon takes over/.test(
          said2,
        ),
      'the second daemon to defer',
    );
    expect(said2).not.toMatch(/daemon running/);
    first.kill('SIGKILL');
    await first;
    await waitFor(
      () => /daemon running; scheduled plans will run on time/.test(said2),
      'the takeover',
      60_000,
    );
    second.kill('SIGTERM');
    const end = await second;
    expect(end.exitCode, end.stderr).toBe(0);
  });
});
