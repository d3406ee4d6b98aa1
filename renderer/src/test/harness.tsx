import { act, render } from '@testing-library/react';
import axe from 'axe-core';
import { I18nextProvider } from 'react-i18next';
import { expect } from 'vitest';
import type { AppEvent } from '../../../contract/ipc.js';
import { installApi } from '../../../test/e2e/fake-api.js';
import { FakeEngine } from '../../../test/e2e/fake-engine.js';
import { connect } from '../api/client.js';
import { App } from '../app.js';
import { createI18n, type Language } from '../i18n/index.js';
import { useAppStore } from '../stores/app-store.js';
import { useEnvStore } from '../stores/env-store.js';
import { useNavStore } from '../stores/nav-store.js';
import type { Screen } from '../../../contract/ipc.js';

/**
 * Component-test harness: window.api is the real contract Api (createApi) over the real dispatcher (zod input
 * and output validation) bound to the in-memory FakeEngine (test/e2e/fake-api.ts), so components are tested
 * against the contract.
 */
export interface Harness {
  engine: FakeEngine;
  shellCalls: { name: string; input: unknown }[];
  /** Push a shell event (e.g. navigate) as main would. */
  pushShell(event: AppEvent): void;
  container: HTMLElement;
  abort: AbortController;
}

export async function renderApp(
  options: { engine?: FakeEngine; language?: Language; screen?: Screen } = {},
): Promise<Harness> {
  const engine = options.engine ?? new FakeEngine({ stepMs: 5 });
  useAppStore.setState({ state: undefined, loadError: undefined });
  useEnvStore.setState({ env: undefined });
  useNavStore.setState({ screen: options.screen ?? 'dashboard', runId: undefined, snapshot: undefined });
  const { shellCalls, pushShell } = installApi(engine);
  const abort = new AbortController();
  await connect(abort.signal);
  const i18n = createI18n(options.language ?? 'en');
  const { container } = render(
    <I18nextProvider i18n={i18n}>
      <App />
    </I18nextProvider>,
  );
  await act(async () => {});
  return { engine, shellCalls, pushShell, container, abort };
}

/** axe-core on the rendered screen: no serious or critical violations (colour contrast needs a real browser). */
export async function expectAccessible(container: HTMLElement): Promise<void> {
  const results = await axe.run(container, { rules: { 'color-contrast': { enabled: false } } });
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
}
