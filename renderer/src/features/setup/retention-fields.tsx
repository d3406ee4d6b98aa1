import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ForgetPreview } from '../../../../contract/browse.js';
import type { Retention } from '../../../../contract/config.js';
import type { ErrorInfo } from '../../../../contract/errors.js';
import { api } from '../../api/client.js';
import { ErrorNote } from '../../components/error-note.js';
import { useLang } from '../../components/use-lang.js';
import { formatDateTime } from '../../i18n/format.js';

const COUNT_FIELDS = ['keepHourly', 'keepDaily', 'keepWeekly', 'keepMonthly', 'keepYearly'] as const;

/** Retention inputs with a "what would be removed" preview (restic forget --dry-run through the engine). */
export function RetentionFields({
  repo,
  plan,
  value,
  onChange,
  idPrefix,
  appendOnly,
  onPreviewed,
}: {
  repo: string;
  plan?: string;
  value: Retention;
  onChange: (r: Retention) => void;
  idPrefix: string;
  appendOnly: boolean;
  /** Told when the preview of the current values is shown (a changed policy is saved only after that). */
  onPreviewed?: () => void;
}) {
  const { t } = useTranslation();
  const lang = useLang();
  const [preview, setPreview] = useState<ForgetPreview>();
  const [error, setError] = useState<ErrorInfo>();
  const set = (key: keyof Retention, raw: string) => {
    const next: Retention = { ...value };
    if (raw === '') delete next[key];
    else if (key === 'keepWithin') next.keepWithin = raw;
    else next[key] = Math.max(0, Math.floor(Number(raw)));
    onChange(next);
    setPreview(undefined);
  };
  return (
    <fieldset>
      <legend>{t('setup.retention.question')}</legend>
      {appendOnly ? <p>{t('setup.retention.appendOnlyNote')}</p> : null}
      {COUNT_FIELDS.map((k) => (
        <p key={k}>
          <label htmlFor={`${idPrefix}-${k}`}>{t(`setup.retention.${k}`)}</label>{' '}
          <input
            id={`${idPrefix}-${k}`}
            type="number"
            min={0}
            max={100000}
            value={value[k] ?? ''}
            onChange={(e) => set(k, e.target.value)}
          />
        </p>
      ))}
      <p>
        <label htmlFor={`${idPrefix}-within`}>{t('setup.retention.keepWithin')}</label>{' '}
        <input
          id={`${idPrefix}-within`}
          value={value.keepWithin ?? ''}
          onChange={(e) => set('keepWithin', e.target.value)}
        />
      </p>
      <button
        type="button"
        onClick={async () => {
          const r = await api().forgetPreview({ repo, retention: value, ...(plan ? { plan } : {}) });
          if (r.ok) {
            setPreview(r.value);
            setError(undefined);
            onPreviewed?.();
          } else setError(r.error);
        }}
      >
        {t('setup.retention.preview')}
      </button>
      <ErrorNote error={error} />
      {preview ? (
        <div role="status" className="forget-preview">
          <p>{t('setup.retention.wouldKeep', { count: preview.keep.length })}</p>
          <p>{t('setup.retention.wouldRemove', { count: preview.remove.length })}</p>
          {preview.remove.length > 0 ? (
            <ul>
              {preview.remove.map((s) => (
                <li key={s.id}>{formatDateTime(s.time, lang)}</li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
    </fieldset>
  );
}
