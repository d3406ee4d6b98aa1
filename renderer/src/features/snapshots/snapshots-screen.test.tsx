import '../../test/setup.js';
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { FakeEngine, sampleSnapshots } from '../../../../test/e2e/fake-engine.js';
import { useNavStore } from '../../stores/nav-store.js';
import { expectAccessible, renderApp } from '../../test/harness.js';

describe('SnapshotsScreen', () => {
  it('lists snapshots newest first, compares two, opens restore from one; accessible', async () => {
    const h = await renderApp({ screen: 'snapshots' });
    expect(await screen.findByText('3 snapshots')).toBeInTheDocument();
    const list = screen.getByRole('region', { name: 'Snapshots' });
    const boxes = within(list).getAllByRole('checkbox');
    expect(boxes).toHaveLength(3);
    await expectAccessible(h.container);
    const compare = screen.getByRole('button', { name: 'Show changes' });
    expect(compare).toBeDisabled();
    await userEvent.click(boxes[0]!);
    await userEvent.click(boxes[2]!);
    await userEvent.click(compare);
    expect(
      await screen.findByText(/1 added \(2\.4 MB\), 1 removed \(300 byte\), 1 changed/),
    ).toBeInTheDocument();
    expect(screen.getByText('/home/ada/photo.jpg')).toBeInTheDocument();
    const snaps = sampleSnapshots(Date.now());
    expect(h.engine.calls.find((c) => c.name === 'diffSnapshots')?.input).toEqual({
      repo: 'pi',
      from: snaps[0]!.id,
      to: snaps[2]!.id,
    });
    await expectAccessible(h.container);
    await userEvent.click(within(list).getAllByRole('button', { name: /^Restore from this snapshot/ })[1]!);
    expect(useNavStore.getState()).toMatchObject({
      screen: 'restore',
      snapshot: { repo: 'pi', id: snaps[1]!.id },
    });
    expect(await screen.findByRole('heading', { level: 1, name: 'Restore files' })).toBeInTheDocument();
  }, 20_000);

  it('renders 10,000 snapshots through the virtual list', async () => {
    const engine = new FakeEngine();
    engine.snapshots = sampleSnapshots(Date.now(), 10_000);
    await renderApp({ engine, screen: 'snapshots' });
    expect(await screen.findByText('10,000 snapshots')).toBeInTheDocument();
    expect(
      within(screen.getByRole('region', { name: 'Snapshots' })).getAllByRole('checkbox').length,
    ).toBeLessThan(40);
  }, 20_000);
});
