import '../test/setup.js';
import { render, screen } from '@testing-library/react';
import { I18nextProvider } from 'react-i18next';
import { describe, expect, it } from 'vitest';
import type { Job } from '../../../contract/app-state.js';
import { createI18n } from '../i18n/index.js';
import { JobCard } from './job-card.js';

const job: Job = {
  id: 'j1',
  kind: 'backup',
  repo: 'pi',
  plan: 'home',
  trigger: 'schedule',
  state: 'queued',
  queuedAt: '2026-12-03T09:00:00.000Z',
  waitingFor: { role: 'cli', kind: 'backup', name: 'home', pid: 4242, since: '2026-12-03T08:59:00.000Z' },
};

describe('JobCard', () => {
  it.each([
    ['en', 'Waiting: Backup of “home” is running in a restray command…'],
    ['de', 'Wartet: Sicherung von „home“ läuft in einem restray-Befehl…'],
  ] as const)('says which other Restray process it waits for (%s)', (lang, text) => {
    render(
      <I18nextProvider i18n={createI18n(lang)}>
        <JobCard job={job} />
      </I18nextProvider>,
    );
    expect(screen.getAllByText(text).length).toBeGreaterThan(0);
  });
});
