import '../../test/setup.js';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { FakeEngine, sampleSnapshots } from '../../../../test/e2e/fake-engine.js';
import { expectAccessible, renderApp } from '../../test/harness.js';
import { parentPath, restoreFolderName } from './restore-wizard.js';

describe('restore helpers', () => {
  it('parentPath and folder names', () => {
    expect(parentPath('/home/ada/x')).toBe('/home/ada');
    expect(parentPath('/home')).toBe('/');
    expect(restoreFolderName(new Date(2026, 2, 9, 7, 5))).toBe('2026-03-09 07-05');
  }, 20_000);
});

describe('RestoreWizard', () => {
  it('preselects the newest snapshot, browses folder by folder, restores into a new folder', async () => {
    const h = await renderApp({ engine: new FakeEngine({ stepMs: 5 }), screen: 'restore' });
    const newest = sampleSnapshots(Date.now()).at(-1)!;
    const select = await screen.findByLabelText('Restore from');
    await waitFor(() => expect((select as HTMLSelectElement).value).toBe(newest.id));
    expect(within(select).getAllByRole('option')[0]).toHaveTextContent('(newest)');
    // Starts in the backed-up folder.
    await waitFor(() => expect(screen.getByTestId('current-path')).toHaveTextContent('/home/ada'));
    await expectAccessible(h.container);
    await userEvent.click(await screen.findByRole('button', { name: 'Open Documents' }));
    await waitFor(() => expect(screen.getByTestId('current-path')).toHaveTextContent('/home/ada/Documents'));
    await userEvent.click(await screen.findByRole('checkbox', { name: 'Select notes.txt' }));
    expect(screen.getByText('1 item selected')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Up one folder' }));
    await waitFor(() => expect(screen.getByTestId('current-path')).toHaveTextContent(/^\/home\/ada$/));
    await userEvent.click(screen.getByRole('button', { name: 'Next' }));

    const folder = screen.getByLabelText('Folder') as HTMLInputElement;
    expect(folder.value).toMatch(/^\/home\/ada\/Restored\/\d{4}-\d\d-\d\d \d\d-\d\d$/);
    await expectAccessible(h.container);
    await userEvent.click(screen.getByRole('button', { name: 'Restore' }));
    expect(await screen.findByRole('heading', { name: 'Restore finished' })).toBeInTheDocument();
    expect(screen.getByText(`1 file restored to ${folder.value}.`)).toBeInTheDocument();
    expect(screen.getByText('/home/ada/Documents/notes.txt')).toBeInTheDocument();
    const call = h.engine.calls.find((c) => c.name === 'restore')!.input;
    expect(call).toEqual({
      repo: 'pi',
      snapshot: newest.id,
      includes: ['/home/ada/Documents/notes.txt'],
      source: 'onsite',
      destination: { kind: 'folder', path: folder.value },
    });
    await userEvent.click(screen.getByRole('button', { name: 'Open folder' }));
    expect(h.shellCalls).toContainEqual({ name: 'openFolder', input: { path: folder.value } });
    await expectAccessible(h.container);
  }, 20_000);

  it('searches across snapshots and restores to the original place with a conflict choice', async () => {
    const h = await renderApp({ screen: 'restore' });
    await screen.findByTestId('current-path');
    await userEvent.type(screen.getByRole('searchbox', { name: 'Search by file name' }), 'report');
    await userEvent.click(screen.getByRole('button', { name: 'Search' }));
    const hits = await screen.findAllByRole('checkbox', {
      name: /^Select \/home\/ada\/Documents\/report\.odt in snapshot of/,
    });
    expect(hits.length).toBe(3); // one per snapshot
    await userEvent.click(hits[1]!); // an older snapshot: the wizard switches to it
    await userEvent.click(screen.getByRole('button', { name: 'Next' }));
    await userEvent.click(screen.getByRole('radio', { name: 'Back to their original place' }));
    await userEvent.click(screen.getByRole('radio', { name: 'Keep the existing file' }));
    await userEvent.click(screen.getByRole('button', { name: 'Restore' }));
    await screen.findByRole('heading', { name: 'Restore finished' });
    const input = h.engine.calls.find((c) => c.name === 'restore')!.input as {
      snapshot: string;
      destination: unknown;
    };
    expect(input.destination).toEqual({ kind: 'original', conflict: 'skip' });
    expect(input.snapshot).toBe(sampleSnapshots(Date.now()).at(-2)!.id);
  }, 20_000);
});
