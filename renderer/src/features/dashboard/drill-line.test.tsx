import '../../test/setup.js';
import { cleanup, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../../../contract/app-state.js';
import { FakeEngine } from '../../../../test/e2e/fake-engine.js';
import { renderApp } from '../../test/harness.js';

const DAY = 86_400_000;

function drillRun(result: 'success' | 'failed'): RunRecord {
  const ended = new Date(Date.now() - 3 * DAY).toISOString();
  return {
    id: 'd1',
    kind: 'drill',
    repo: 'pi',
    trigger: 'schedule',
    startedAt: ended,
    endedAt: ended,
    result,
    drill: {
      from: 'offsite',
      comparedWith: 'onsite',
      snapshot: 'ab'.repeat(32),
      files: 20,
      bytes: 1000,
      failures: result === 'failed' ? [{ path: '/home/a/report.pdf', problem: 'unreadable' }] : [],
    },
  };
}

describe('Dashboard: the last restore test', () => {
  it('passed: "Last restore test from the offsite Pi: passed, 20 files, 3 days ago", in English and German', async () => {
    for (const language of ['en', 'de'] as const) {
      const engine = new FakeEngine();
      engine.state.repos[0]!.lastDrill = drillRun('success');
      engine.state.config.settings.language = language;
      const h = await renderApp({ engine, language });
      expect(screen.getByTestId('drill-line')).toHaveTextContent(
        language === 'en'
          ? 'Last restore test from the offsite Pi: passed, 20 files, 3 days ago'
          : 'Letzter Wiederherstellungstest vom externen Pi: bestanden, 20 Dateien, vor 3 Tagen',
      );
      h.abort.abort();
      cleanup();
    }
  }, 20_000);

  it('“Test a restore” runs a drill; its result becomes the line', async () => {
    const engine = new FakeEngine({ stepMs: 5 });
    const h = await renderApp({ engine, language: 'en' });
    expect(screen.getByTestId('drill-line')).toHaveTextContent('No restore test yet.');
    await userEvent.click(screen.getByRole('button', { name: 'Test a restore of “pi”' }));
    await waitFor(() =>
      expect(screen.getByTestId('drill-line')).toHaveTextContent(
        /^Last restore test from the offsite Pi: passed, 20 files, now/,
      ),
    );
    expect(h.engine.calls.some((c) => c.name === 'testRestore')).toBe(true);
  }, 20_000);

  it('failed: names the file and the next step', async () => {
    const engine = new FakeEngine();
    engine.state.repos[0]!.lastDrill = drillRun('failed');
    await renderApp({ engine, language: 'en' });
    const line = screen.getByTestId('drill-line');
    expect(line).toHaveTextContent('Last restore test from the offsite Pi: failed (“/home/a/report.pdf”)');
    expect(line).toHaveTextContent('sudo restray-pi reverify');
    expect(line).toHaveClass('warning');
  }, 20_000);
});
