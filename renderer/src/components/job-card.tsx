import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Job } from '../../../contract/app-state.js';
import type { ErrorInfo } from '../../../contract/errors.js';
import { api } from '../api/client.js';
import { formatBytes, formatDuration, formatNumber, formatPercent } from '../i18n/format.js';
import { ErrorNote } from './error-note.js';
import { useLang } from './use-lang.js';

/** A running or queued job: progress bar, bytes, files, ETA, current file, Cancel. */
export function JobCard({ job }: { job: Job }) {
  const { t } = useTranslation();
  const lang = useLang();
  const [error, setError] = useState<ErrorInfo>();
  const p = job.progress;
  const title = t('job.title', { kind: t(`jobKind.${job.kind}`), name: job.plan ?? job.repo });
  const status =
    job.state === 'queued'
      ? job.waitingFor
        ? t('job.waitingFor', {
            other: t(`jobKind.${job.waitingFor.kind}`, { defaultValue: job.waitingFor.kind }),
            name: job.waitingFor.name,
            where: t(`job.where.${job.waitingFor.role}`),
          })
        : t('job.queued')
      : job.state === 'cancelling'
        ? t('job.cancelling')
        : p?.fraction === undefined
          ? t('job.scanning')
          : formatPercent(p.fraction, lang);
  return (
    <section className="job-card" aria-label={title}>
      <h3>{title}</h3>
      <progress
        aria-label={t('job.progress')}
        max={1}
        {...(p?.fraction !== undefined ? { value: p.fraction } : {})}
        aria-valuetext={status}
      />
      <p aria-live="polite">{status}</p>
      {p ? (
        <ul className="job-figures">
          <li>
            {p.bytesTotal !== undefined
              ? t('job.bytes', {
                  done: formatBytes(p.bytesDone, lang),
                  total: formatBytes(p.bytesTotal, lang),
                })
              : t('job.bytesDone', { done: formatBytes(p.bytesDone, lang) })}
          </li>
          <li>
            {p.filesTotal !== undefined
              ? t('job.files', {
                  done: formatNumber(p.filesDone, lang),
                  total: formatNumber(p.filesTotal, lang),
                })
              : t('job.filesDone', { done: formatNumber(p.filesDone, lang) })}
          </li>
          {p.secondsRemaining !== undefined ? (
            <li>{t('job.eta', { duration: formatDuration(p.secondsRemaining, lang) })}</li>
          ) : null}
          {p.currentFiles[0] ? (
            <li className="current-file">{t('job.current', { file: p.currentFiles[0] })}</li>
          ) : null}
        </ul>
      ) : null}
      <button
        type="button"
        disabled={job.state === 'cancelling'}
        onClick={async () => {
          const r = await api().cancel({ jobId: job.id });
          setError(r.ok ? undefined : r.error);
        }}
      >
        {t('job.cancel')}
      </button>
      <ErrorNote error={error} />
    </section>
  );
}
