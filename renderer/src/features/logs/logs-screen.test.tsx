import '../../test/setup.js';
import { act, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { expectAccessible, renderApp } from '../../test/harness.js';

describe('LogsScreen', () => {
  it('shows a run log with warnings and copies it; accessible', async () => {
    const h = await renderApp({ screen: 'logs' });
    await userEvent.click(screen.getByRole('button', { name: /^Show log of Backup at .*/, current: false }));
    expect(await screen.findByText('/home/ada/locked.db: permission denied')).toBeInTheDocument();
    await expectAccessible(h.container);
    await userEvent.click(screen.getByRole('button', { name: 'Copy log' }));
    expect(h.shellCalls.find((c) => c.name === 'copyText')?.input).toEqual({
      text: 'restic backup --json …\npartial\n',
    });
    expect(screen.getByText('Copied to the clipboard.')).toBeInTheDocument();
  }, 20_000);

  it('a navigate event from main (notification click) opens that run', async () => {
    const h = await renderApp({ screen: 'dashboard' });
    act(() => h.pushShell({ type: 'navigate', screen: 'logs', runId: 'run-3' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Logs' })).toBeInTheDocument();
    expect(
      await screen.findByText(/12 new, 3 changed, 20,000 unchanged files; 3 MB added/),
    ).toBeInTheDocument();
  }, 20_000);
});
