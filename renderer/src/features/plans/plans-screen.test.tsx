import '../../test/setup.js';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { expectAccessible, renderApp } from '../../test/harness.js';

describe('PlansScreen', () => {
  it('edits a plan: schedule preset, upload limit, forget preview; accessible', async () => {
    const h = await renderApp({ screen: 'plans' });
    expect(screen.getByRole('heading', { level: 1, name: 'Backup plans' })).toBeInTheDocument();
    await expectAccessible(h.container);
    await userEvent.click(screen.getByRole('button', { name: 'Edit “home”' }));
    expect(screen.getByRole('radio', { name: 'Every hour' })).toBeChecked();
    await userEvent.click(screen.getByRole('radio', { name: 'Every day at 12:30' }));
    await userEvent.type(screen.getByLabelText(/^Upload limit/), '500');
    await userEvent.click(screen.getByRole('button', { name: 'Preview what would be removed' }));
    expect(await screen.findByText('Would keep 2 snapshots')).toBeInTheDocument();
    await expectAccessible(h.container);
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(h.engine.calls.some((c) => c.name === 'savePlan')).toBe(true));
    expect(h.engine.calls.find((c) => c.name === 'savePlan')?.input).toMatchObject({
      plan: {
        name: 'home',
        schedule: '30 12 * * *',
        limitUploadKiB: 500,
        prune: false,
        excludes: ['**/node_modules', '**/.cache'],
      },
      previousName: 'home',
    });
  }, 20_000);

  it('an invalid plan shows the field the engine rejected', async () => {
    await renderApp({ screen: 'plans' });
    await userEvent.click(screen.getByRole('button', { name: 'Add plan' }));
    await userEvent.type(screen.getByLabelText('Plan name'), 'docs');
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'plan.paths: name at least one folder to back up',
    );
  }, 20_000);
});
