import '../../test/setup.js';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { expectAccessible, renderApp } from '../../test/harness.js';

const FP = `SHA256:${'a'.repeat(43)}`;

describe('OffsiteForm: pinning the offsite Pi status key', () => {
  it('pins the fingerprint on save, and an emptied field removes the pin; accessible', async () => {
    const h = await renderApp({ screen: 'settings' });
    const q = within(screen.getByRole('region', { name: 'Offsite Pi' }));
    await userEvent.type(q.getByLabelText(/^The offsite Pi’s status key/), FP);
    await userEvent.click(q.getByRole('button', { name: 'Test and save' }));
    await waitFor(() =>
      expect(h.engine.calls.find((c) => c.name === 'saveOffsite')?.input).toMatchObject({ statusKey: FP }),
    );
    await waitFor(() => expect(h.engine.state.config.repositories[0]!.offsiteStatusKey).toBe(FP));
    await userEvent.clear(q.getByLabelText(/^The offsite Pi’s status key/));
    await userEvent.click(q.getByRole('button', { name: 'Test and save' }));
    await waitFor(() =>
      expect(h.engine.calls.filter((c) => c.name === 'saveOffsite').at(-1)?.input).toMatchObject({
        statusKey: null,
      }),
    );
    await waitFor(() => expect(h.engine.state.config.repositories[0]!.offsiteStatusKey).toBeUndefined());
    await expectAccessible(h.container);
  }, 20_000);
});
