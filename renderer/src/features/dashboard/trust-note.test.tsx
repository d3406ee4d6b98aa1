import '../../test/setup.js';
import { cleanup, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { FakeEngine } from '../../../../test/e2e/fake-engine.js';
import { renderApp } from '../../test/harness.js';

describe('Dashboard: the signed offsite status', () => {
  it('a rejected status: unknown with the reason in the user language, never safe', async () => {
    const engine = new FakeEngine();
    const chain = engine.state.repos[0]!.chain;
    chain.verdict = 'unknown';
    chain.offsite = {
      state: 'unknown',
      reason: 'The offsite status on the onsite Pi (of …) is older than one already seen (of …).',
      trust: { state: 'rejected', problem: 'replay', fingerprint: 'SHA256:x' },
    };
    engine.state.config.settings.language = 'de';
    await renderApp({ engine, language: 'de' });
    expect(screen.getByRole('status')).toHaveTextContent(
      'Status unbekannt: ein älterer externer Status wird erneut ausgeliefert (Wiedereinspielung).',
    );
    expect(screen.getByRole('status')).toHaveClass('verdict-unknown');
  }, 20_000);

  it('not pinned: a warning with the one step that fixes it, in English and German', async () => {
    for (const language of ['en', 'de'] as const) {
      const engine = new FakeEngine();
      engine.state.repos[0]!.chain.offsite.trust = { state: 'not-pinned', fingerprint: 'SHA256:x' };
      engine.state.config.settings.language = language;
      const h = await renderApp({ engine, language });
      expect(screen.getByRole('note')).toHaveTextContent(
        language === 'en'
          ? /^Offsite status not signed: run “restray-pi status --signing-key” on the offsite Pi .*restray repo offsite pi --status-key/
          : /^Externer Status nicht signiert: .*restray repo offsite pi --status-key/,
      );
      h.abort.abort();
      cleanup();
    }
  }, 20_000);
});
