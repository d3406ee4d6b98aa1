import '../../test/setup.js';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { FakeEngine } from '../../../../test/e2e/fake-engine.js';
import { expectAccessible, renderApp } from '../../test/harness.js';

describe('SettingsScreen', () => {
  it('switches the language at once and back; accessible in both', async () => {
    const h = await renderApp({ screen: 'settings' });
    await expectAccessible(h.container);
    await userEvent.selectOptions(screen.getByLabelText('Language'), 'de');
    expect(await screen.findByRole('heading', { level: 1, name: 'Einstellungen' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Übersicht' })).toBeInTheDocument();
    expect(document.documentElement.lang).toBe('de');
    await expectAccessible(h.container);
    expect(h.engine.state.config.settings.language).toBe('de');
    await userEvent.selectOptions(screen.getByLabelText('Sprache'), 'en');
    expect(await screen.findByRole('heading', { level: 1, name: 'Settings' })).toBeInTheDocument();
  }, 20_000);

  it('saves notification level and launch at login; shows whether a password is stored, never the password', async () => {
    const h = await renderApp({ screen: 'settings' });
    await userEvent.selectOptions(screen.getByLabelText('Notify me about'), 'all');
    await userEvent.click(screen.getByRole('checkbox', { name: 'Start Restray when I log in' }));
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(h.engine.state.config.notifications.level).toBe('all'));
    expect(h.engine.state.config.settings.launchAtLogin).toBe(true);
    expect(screen.getByText('A password for “pi” is stored in the keychain.')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Generate a new password' }));
    expect(await screen.findByText('Password changed. Update your recovery sheet.')).toBeInTheDocument();
    expect(screen.getByText('new-generated-password-7')).toBeInTheDocument();
  }, 20_000);

  it('stores a missing password (checked by the engine); changing waits until one is stored', async () => {
    const engine = new FakeEngine({ stepMs: 5 });
    engine.state.repos[0]!.hasPassword = false;
    const h = await renderApp({ screen: 'settings', engine });
    expect(screen.getByText('No password for “pi” is stored.')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Generate a new password' })).toBeDisabled();
    await userEvent.type(screen.getByLabelText('Enter the repository password'), 'the-old-password');
    await userEvent.click(screen.getByRole('button', { name: 'Save password' }));
    expect(
      await screen.findByText('The password opens the repository and is now stored in the keychain.'),
    ).toBeInTheDocument();
    expect(h.engine.calls.filter((c) => c.name === 'setPassword')).toEqual([
      { name: 'setPassword', input: { repo: 'pi' } },
    ]);
    expect(screen.getByText('A password for “pi” is stored in the keychain.')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Generate a new password' })).toBeEnabled();
    expect(screen.getByLabelText('New password')).toHaveValue('');
  }, 20_000);

  it('connects the offsite Pi: provisioning command, its host key, test and save', async () => {
    const h = await renderApp({ screen: 'settings' });
    const section = screen.getByRole('region', { name: 'Offsite Pi' });
    const q = within(section);
    await userEvent.click(q.getByRole('checkbox', { name: /Restore from the offsite Pi/ }));
    expect(q.getByRole('button', { name: 'Test and save' })).toBeDisabled();
    await userEvent.type(q.getByLabelText('Offsite Pi address (host name or IP)'), 'offsite.example');
    await userEvent.click(q.getByRole('button', { name: 'Show the command for the offsite Pi' }));
    expect(await q.findByTestId('offsite-command')).toHaveTextContent(
      /sudo restray-pi provision offsite --root \/srv\/restray-offsite --restore-user restray-restore --restore-key 'ssh-ed25519 /,
    );
    await userEvent.click(q.getByRole('button', { name: 'I ran it — check the offsite Pi' }));
    await userEvent.click(await q.findByRole('button', { name: 'The fingerprints match' }));
    await waitFor(() =>
      expect(h.engine.calls.find((c) => c.name === 'confirmHostKey')?.input).toMatchObject({
        repo: 'pi',
        host: 'offsite.example',
        hop: 'offsite',
      }),
    );
    await userEvent.click(q.getByRole('button', { name: 'Test and save' }));
    expect(await q.findByText('Saved. The offsite Pi holds 3 verified copies.')).toBeInTheDocument();
    expect(h.engine.state.config.repositories[0]!.offsite).toMatchObject({
      host: 'offsite.example',
      port: 22,
      user: 'restray-restore',
      path: '/srv/restray-offsite',
    });
    await expectAccessible(h.container);
  }, 20_000);
});
