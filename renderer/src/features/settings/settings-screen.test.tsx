import '../../test/setup.js';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
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
});
