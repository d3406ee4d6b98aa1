import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AppState, RunRecord } from '../../../../contract/app-state.js';
import type { ErrorInfo } from '../../../../contract/errors.js';
import { api } from '../../api/client.js';
import { CopyButton } from '../../components/copy-button.js';
import { ErrorNote } from '../../components/error-note.js';
import { useLang } from '../../components/use-lang.js';
import { formatBytes, formatDateTime, formatNumber } from '../../i18n/format.js';
import { useNavStore } from '../../stores/nav-store.js';

function RunDetails({ runId }: { runId: string }) {
  const { t } = useTranslation();
  const lang = useLang();
  const [data, setData] = useState<{ run: RunRecord; log: string }>();
  const [error, setError] = useState<ErrorInfo>();
  useEffect(() => {
    let live = true;
    void api()
      .getRunLog({ runId })
      .then((r) => {
        if (!live) return;
        if (r.ok) {
          setData(r.value);
          setError(undefined);
        } else setError(r.error);
      });
    return () => {
      live = false;
    };
  }, [runId]);
  if (error) return <ErrorNote error={error} />;
  if (!data) return <p role="status">{t('app.loading')}</p>;
  const { run, log } = data;
  return (
    <section aria-labelledby="run-title" className="run-details">
      <h2 id="run-title">
        {t(`jobKind.${run.kind}`)} “{run.plan ?? run.repo}”
      </h2>
      <dl>
        <dt>{t('logs.started')}</dt>
        <dd>{formatDateTime(run.startedAt, lang)}</dd>
        <dt>{t('logs.ended')}</dt>
        <dd>{formatDateTime(run.endedAt, lang)}</dd>
        <dt>{t('logs.result')}</dt>
        <dd>
          {t(`result.${run.result}`)} ({t(`trigger.${run.trigger}`)})
        </dd>
      </dl>
      <ErrorNote error={run.error} />
      {run.backup ? (
        <p>
          {t('logs.summary', {
            new: formatNumber(run.backup.filesNew, lang),
            changed: formatNumber(run.backup.filesChanged, lang),
            unmodified: formatNumber(run.backup.filesUnmodified, lang),
            added: formatBytes(run.backup.dataAdded, lang),
          })}
        </p>
      ) : null}
      {run.warnings && run.warnings.length > 0 ? (
        <>
          <h3>{t('logs.warnings')}</h3>
          <ul>
            {run.warnings.map((w) => (
              <li key={w}>{w}</li>
            ))}
          </ul>
        </>
      ) : null}
      <CopyButton text={log} label={t('logs.copy')} />
      <pre className="log" tabIndex={0} aria-label={t('logs.title')}>
        {log}
      </pre>
    </section>
  );
}

export function LogsScreen({ state }: { state: AppState }) {
  const { t } = useTranslation();
  const lang = useLang();
  const runId = useNavStore((s) => s.runId);
  const go = useNavStore((s) => s.go);
  const selected = runId ?? state.recentRuns[0]?.id;
  return (
    <div className="logs">
      <h1>{t('logs.title')}</h1>
      {state.recentRuns.length === 0 ? (
        <p>{t('logs.empty')}</p>
      ) : (
        <div className="logs-split">
          <section aria-labelledby="runs-title">
            <h2 id="runs-title">{t('logs.runs')}</h2>
            <ul className="run-list">
              {state.recentRuns.map((r) => (
                <li key={r.id}>
                  <button
                    type="button"
                    aria-current={r.id === selected ? 'true' : undefined}
                    aria-label={t('logs.select', {
                      kind: t(`jobKind.${r.kind}`),
                      time: formatDateTime(r.endedAt, lang),
                    })}
                    onClick={() => go('logs', { runId: r.id })}
                  >
                    {formatDateTime(r.endedAt, lang)} — {t(`jobKind.${r.kind}`)} “{r.plan ?? r.repo}”:{' '}
                    {t(`result.${r.result}`)}
                  </button>
                </li>
              ))}
            </ul>
          </section>
          {selected ? <RunDetails key={selected} runId={selected} /> : <p>{t('logs.pick')}</p>}
        </div>
      )}
    </div>
  );
}
