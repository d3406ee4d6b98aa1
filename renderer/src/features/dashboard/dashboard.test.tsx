import '../../test/setup.js';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { FakeEngine } from '../../../../test/e2e/fake-engine.js';
import { expectAccessible, renderApp } from '../../test/harness.js';

describe('Dashboard', () => {
  it('shows the chain with the offsite lag, next run and recent runs; accessible', async () => {
    const h = await renderApp();
    expect(screen.getByRole('heading', { level: 1, name: 'Overview' })).toBeInTheDocument();
    expect(screen.getByText(/Not yet offsite: the newest backup is 3 hours behind/)).toBeInTheDocument();
    const chain = screen.getByRole('group', { name: 'pi' });
    expect(within(chain).getByText('This computer')).toBeInTheDocument();
    expect(within(chain).getByText('Onsite Pi')).toBeInTheDocument();
    expect(within(chain).getByText('Offsite Pi')).toBeInTheDocument();
    expect(within(chain).getByText('Behind')).toBeInTheDocument();
    expect(screen.getByText(/“home”: /)).toBeInTheDocument();
    expect(screen.getAllByRole('button', { name: /^Details/ })).toHaveLength(2);
    await expectAccessible(h.container);
  }, 20_000);

  it('runs a backup: progress with bytes, files, ETA and current file, then the run is listed', async () => {
    await renderApp({ engine: new FakeEngine({ stepMs: 100 }) });
    await userEvent.click(screen.getByRole('button', { name: 'Back up “home” now' }));
    const card = await screen.findByRole('region', { name: 'Backup of “home”' });
    await waitFor(() => expect(within(card).getByText(/of 400 files/)).toBeInTheDocument());
    expect(within(card).getByText(/left$/)).toBeInTheDocument();
    expect(within(card).getByText(/^Now: \/home\/ada\/Documents/)).toBeInTheDocument();
    expect(within(card).getByRole('progressbar', { name: 'Progress' })).toBeInTheDocument();
    await waitFor(
      () => expect(screen.queryByRole('region', { name: 'Backup of “home”' })).not.toBeInTheDocument(),
      { timeout: 3000 },
    );
    expect(screen.getAllByText(/Backup “home” — Succeeded/).length).toBeGreaterThan(1);
  }, 20_000);

  it('a failing backup shows its reason in the recent runs', async () => {
    const engine = new FakeEngine({
      stepMs: 5,
      failBackupsWith: { kind: 'network', message: 'The Pi did not answer within 60 s.' },
    });
    await renderApp({ engine });
    await userEvent.click(screen.getByRole('button', { name: 'Back up “home” now' }));
    expect(await screen.findByText(/The Pi did not answer within 60 s\./)).toBeInTheDocument();
    expect(screen.getByText(/Backup “home” — Failed/)).toBeInTheDocument();
  }, 20_000);

  it('cancel works from the job card', async () => {
    const h = await renderApp({ engine: new FakeEngine({ stepMs: 40 }) });
    await userEvent.click(screen.getByRole('button', { name: 'Back up “home” now' }));
    const card = await screen.findByRole('region', { name: 'Backup of “home”' });
    await userEvent.click(within(card).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(screen.getByText(/Backup “home” — Cancelled/)).toBeInTheDocument());
    expect(h.engine.calls.some((c) => c.name === 'cancel')).toBe(true);
  }, 20_000);

  it('warns when a repository has no stored password', async () => {
    const engine = new FakeEngine();
    engine.state.repos[0]!.hasPassword = false;
    await renderApp({ engine });
    expect(screen.getByRole('alert')).toHaveTextContent('No password for “pi” is stored in the keychain');
    await userEvent.click(screen.getByRole('button', { name: 'Enter the password' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Settings' })).toBeInTheDocument();
  }, 20_000);

  it('in German, with a pause', async () => {
    const engine = new FakeEngine();
    engine.state.pausedUntil = new Date(Date.now() + 3_600_000).toISOString();
    engine.state.config.settings.language = 'de';
    await renderApp({ engine, language: 'de' });
    expect(screen.getByRole('heading', { level: 1, name: 'Übersicht' })).toBeInTheDocument();
    expect(screen.getByText(/Sicherungen sind pausiert bis/)).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Jetzt fortsetzen' }));
    await waitFor(() => expect(screen.queryByText(/pausiert bis/)).not.toBeInTheDocument());
  }, 20_000);
});
