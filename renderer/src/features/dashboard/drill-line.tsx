import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { RepoState } from '../../../../contract/app-state.js';
import type { ErrorInfo } from '../../../../contract/errors.js';
import { api } from '../../api/client.js';
import { ErrorNote } from '../../components/error-note.js';
import { drillAdvice } from '../../../../contract/chain-advice.js';
import { drillLine } from '../../../../contract/drill-text.js';
import { useLang } from '../../components/use-lang.js';
import { formatRelative } from '../../i18n/format.js';

/**
 * A repository's last restore drill: "Last restore test from the offsite Pi: passed, 20 files, 3 days ago",
 * and for a failed one the damaged file and the next step (contract/drill-text.ts, contract/chain-advice.ts).
 * Shown for repositories with an offsite Pi, or once a drill has run, with the “Test a restore” button (a drill
 * now; its progress shows as a job card, its result here).
 */
export function DrillLine({ repo, now }: { repo: RepoState; now: number }) {
  const { t } = useTranslation();
  const lang = useLang() === 'de' ? 'de' : 'en';
  const [error, setError] = useState<ErrorInfo>();
  const run = repo.lastDrill;
  if (!run && repo.chain.offsite.state === 'not-configured') return null;
  const advice = drillAdvice(run, lang);
  return (
    <div className="drill">
      <p className={`drill-line${advice ? ' warning' : ''}`} data-testid="drill-line">
        {drillLine(run, lang, (iso) => formatRelative(iso, now, lang))}
        {advice ? (
          <>
            {' '}
            <span className="hop-reason">{advice.reason}</span>{' '}
            <span className="hop-next">{advice.next}</span>
          </>
        ) : null}
      </p>
      <button
        type="button"
        onClick={async () => {
          const r = await api().testRestore({ repo: repo.name });
          setError(r.ok ? undefined : r.error);
        }}
      >
        {t('dashboard.testRestore', { repo: repo.name })}
      </button>
      <ErrorNote error={error} />
    </div>
  );
}
