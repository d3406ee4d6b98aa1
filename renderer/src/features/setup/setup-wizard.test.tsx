import '../../test/setup.js';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { FakeEngine } from '../../../../test/e2e/fake-engine.js';
import { expectAccessible, renderApp } from '../../test/harness.js';
import { parsePairingLine } from '../../../../contract/pairing-line.js';
import { looksLikeCron, presetOf } from './defaults.js';

const emptyEngine = () => {
  const engine = new FakeEngine({ stepMs: 5 });
  engine.state = {
    ...engine.state,
    config: { ...engine.state.config, repositories: [], plans: [] },
    repos: [],
    plans: [],
    recentRuns: [],
  };
  return engine;
};

describe('setup helpers', () => {
  it('cron and presets', () => {
    expect(looksLikeCron('0 * * * *')).toBe(true);
    expect(looksLikeCron('0 * * *')).toBe(false);
    expect(presetOf('30 12 * * *')).toBe('daily');
    expect(presetOf(undefined)).toBe('manual');
    expect(presetOf('5 4 * * *')).toBe('custom');
  }, 20_000);
});

describe('SetupWizard', () => {
  it('first run: Pi → key and provisioning command → host key → test → new repo with generated password → folders → schedule → retention → done', async () => {
    const engine = emptyEngine();
    const h = await renderApp({ engine });
    // An unconfigured app opens the wizard by itself.
    expect(await screen.findByRole('heading', { level: 1, name: 'Set up backups' })).toBeInTheDocument();
    await expectAccessible(h.container);
    await userEvent.click(screen.getByRole('button', { name: 'Next' }));

    await userEvent.type(screen.getByLabelText('Pi address (host name or IP)'), 'pi.local');
    await userEvent.click(screen.getByRole('button', { name: 'Create access key' }));
    expect(await screen.findByTestId('provision-command')).toHaveTextContent(
      /^sudo restray-pi provision onsite .*ssh-ed25519/,
    );
    await userEvent.click(screen.getByRole('button', { name: 'Copy' }));
    expect(h.shellCalls.find((c) => c.name === 'copyText')).toBeDefined();
    // The pairing line for `restray-pi setup onsite --workstation`, parsed as the Pi parses it.
    const pairing = parsePairingLine(screen.getByTestId('pairing-line').textContent ?? '', 'workstation');
    expect(pairing).toMatchObject({ ok: true, payload: { name: 'pi', mode: 'append-only' } });
    await userEvent.click(screen.getByRole('button', { name: 'Copy the line' }));
    expect(h.shellCalls.filter((c) => c.name === 'copyText')).toHaveLength(2);
    await userEvent.click(screen.getByRole('button', { name: 'I ran it — check the Pi' }));
    expect(await screen.findByText(/SHA256:q8Xy/)).toBeInTheDocument();
    await expectAccessible(h.container);
    await userEvent.click(screen.getByRole('button', { name: 'The fingerprints match' }));
    expect(await screen.findByText(/Connected in 4 ms/)).toBeInTheDocument();
    expect(engine.calls.find((c) => c.name === 'confirmHostKey')?.input).toEqual({
      repo: 'pi',
      host: 'pi.local',
      port: 22,
      fingerprint: 'SHA256:q8XyKkK0bD3fPq4cL6s1m0Gx2R7o1v9yT2eN5wA3bC4',
      hop: 'onsite',
    });
    await userEvent.click(screen.getByRole('button', { name: 'Next' }));

    expect(screen.getByRole('radio', { name: 'Create a new repository' })).toBeChecked();
    await userEvent.click(screen.getByRole('button', { name: 'Next' }));

    await userEvent.click(screen.getByRole('button', { name: 'Create repository' }));
    expect(await screen.findByRole('heading', { name: 'Recovery sheet' })).toBeInTheDocument();
    expect(screen.getByText('correct-horse-battery-staple-42')).toBeInTheDocument();
    await expectAccessible(h.container);
    const repoCall = engine.calls.find((c) => c.name === 'createRepository')!.input as {
      repository: { target: unknown };
      password: string;
    };
    expect(repoCall.password).toBe('generate');
    expect(repoCall.repository.target).toMatchObject({
      kind: 'append-only',
      host: 'pi.local',
      user: 'restic',
      sshKey: '/home/ada/.config/restray/keys/pi',
    });
    const next = screen.getByRole('button', { name: 'Next' });
    expect(next).toBeDisabled();
    await userEvent.click(screen.getByRole('checkbox', { name: 'I have stored the recovery sheet safely' }));
    await userEvent.click(next);
    expect(screen.queryByText('correct-horse-battery-staple-42')).not.toBeInTheDocument();

    expect(screen.getByText('/home/ada')).toBeInTheDocument();
    expect(
      (screen.getByLabelText('Leave out (one pattern per line)') as HTMLTextAreaElement).value,
    ).toContain('**/node_modules');
    await userEvent.click(screen.getByRole('button', { name: 'Add folder…' }));
    expect(screen.getByText('/media/usb/backup')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Remove /media/usb/backup' }));
    await userEvent.click(screen.getByRole('button', { name: 'Next' }));

    await userEvent.click(screen.getByRole('radio', { name: 'Custom (cron)' }));
    const cron = screen.getByLabelText(/^Cron expression/);
    await userEvent.clear(cron);
    await userEvent.type(cron, '15 3 * *');
    expect(screen.getByRole('button', { name: 'Next' })).toBeDisabled();
    await userEvent.type(cron, ' *');
    await expectAccessible(h.container);
    await userEvent.click(screen.getByRole('button', { name: 'Next' }));

    expect(screen.getByText(/Append-only: old backups are removed on the Pi/)).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Preview what would be removed' }));
    expect(await screen.findByText('Would remove 1 snapshot')).toBeInTheDocument();
    await expectAccessible(h.container);
    await userEvent.click(screen.getByRole('button', { name: 'Save and start' }));
    expect(await screen.findByRole('heading', { name: 'All set' })).toBeInTheDocument();
    expect(engine.calls.find((c) => c.name === 'savePlan')?.input).toMatchObject({
      plan: {
        name: 'home',
        repo: 'pi',
        paths: ['/home/ada'],
        schedule: '15 3 * * *',
        retention: { keepDaily: 7, keepWeekly: 4, keepMonthly: 12 },
        prune: false,
      },
    });
    // Optional last step for a Pi: the offsite Pi's status account (on by default), restore access off.
    const offsite = screen.getByRole('region', { name: 'Offsite Pi' });
    await userEvent.click(within(offsite).getByRole('button', { name: 'Test and save' }));
    expect(
      await within(offsite).findByText(
        'Saved. The overview now shows whether your backups reached the offsite Pi.',
      ),
    ).toBeInTheDocument();
    expect(engine.calls.find((c) => c.name === 'saveOffsite')?.input).toEqual({
      repo: 'pi',
      statusUser: 'restray-status',
      access: null,
    });
    await userEvent.click(screen.getByRole('button', { name: 'Start first backup' }));
    await waitFor(() =>
      expect(screen.getByRole('heading', { level: 1, name: 'Overview' })).toBeInTheDocument(),
    );
    expect(engine.calls.some((c) => c.name === 'backupNow')).toBe(true);
  }, 20_000);

  it('local folder with a typed password: mismatch is caught, the password is sent once and not kept', async () => {
    const engine = emptyEngine();
    await renderApp({ engine });
    await userEvent.click(await screen.findByRole('radio', { name: 'A folder or USB disk' }));
    await userEvent.click(screen.getByRole('button', { name: 'Choose…' }));
    expect((screen.getByLabelText('Backup folder') as HTMLInputElement).value).toBe('/media/usb/backup');
    await userEvent.click(screen.getByRole('button', { name: 'Next' }));
    await screen.findByText('The folder does not exist yet: a new repository will be created.');
    await userEvent.click(screen.getByRole('button', { name: 'Next' }));
    await userEvent.click(screen.getByRole('radio', { name: 'I will type a password' }));
    await userEvent.type(screen.getByLabelText('Password', { selector: 'input' }), 'hunter2hunter2');
    await userEvent.type(screen.getByLabelText('Repeat the password'), 'hunter2hunter3');
    expect(screen.getByText('The passwords do not match.')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Create repository' })).toBeDisabled();
    await userEvent.clear(screen.getByLabelText('Repeat the password'));
    await userEvent.type(screen.getByLabelText('Repeat the password'), 'hunter2hunter2');
    await userEvent.click(screen.getByRole('button', { name: 'Create repository' }));
    expect(await screen.findByText(/Write your password here/)).toBeInTheDocument();
    expect(screen.queryByText('hunter2hunter2')).not.toBeInTheDocument();
    expect(engine.storedPasswords.get('usb')).toBe('hunter2hunter2');
    expect(engine.calls.find((c) => c.name === 'createRepository')?.input).toMatchObject({
      repository: { name: 'usb', target: { kind: 'local', path: '/media/usb/backup' } },
    });
  }, 20_000);

  it('shows an engine error inline with its hint', async () => {
    const engine = emptyEngine();
    engine.scanHostKey = async () => {
      const { RestrayError } = await import('../../../../core/errors.js');
      throw new RestrayError('network', 'pi.local did not answer on port 22.', {
        hint: 'Check that the Pi is on and on this network.',
      });
    };
    await renderApp({ engine });
    await userEvent.click(await screen.findByRole('button', { name: 'Next' }));
    await userEvent.type(screen.getByLabelText('Pi address (host name or IP)'), 'pi.local');
    await userEvent.click(screen.getByRole('button', { name: 'Create access key' }));
    await userEvent.click(await screen.findByRole('button', { name: 'I ran it — check the Pi' }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Connection problem');
    expect(alert).toHaveTextContent('pi.local did not answer on port 22.');
    expect(alert).toHaveTextContent('Check that the Pi is on and on this network.');
  }, 20_000);
});
