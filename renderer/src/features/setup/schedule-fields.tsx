import { useTranslation } from 'react-i18next';
import { SCHEDULE_PRESETS, looksLikeCron, type SchedulePreset } from './defaults.js';

/** Schedule presets plus a cron field; used by the setup wizard and the plan editor. */
export function ScheduleFields({
  preset,
  cron,
  onChange,
  idPrefix,
}: {
  preset: SchedulePreset;
  cron: string;
  onChange: (preset: SchedulePreset, cron: string) => void;
  idPrefix: string;
}) {
  const { t } = useTranslation();
  const presets: SchedulePreset[] = ['hourly', 'daily', 'weekly', 'manual', 'custom'];
  const invalid = preset === 'custom' && !looksLikeCron(cron);
  return (
    <fieldset>
      <legend>{t('setup.schedule.question')}</legend>
      {presets.map((p) => (
        <label key={p}>
          <input
            type="radio"
            name={`${idPrefix}-schedule`}
            checked={preset === p}
            onChange={() => onChange(p, p === 'custom' || p === 'manual' ? cron : SCHEDULE_PRESETS[p])}
          />{' '}
          {t(`setup.schedule.${p}`)}
        </label>
      ))}
      {preset === 'custom' ? (
        <p>
          <label htmlFor={`${idPrefix}-cron`}>{t('setup.schedule.cron')}</label>{' '}
          <input
            id={`${idPrefix}-cron`}
            value={cron}
            onChange={(e) => onChange('custom', e.target.value)}
            aria-invalid={invalid}
            aria-describedby={invalid ? `${idPrefix}-cron-error` : undefined}
          />
          {invalid ? <span id={`${idPrefix}-cron-error`}>{t('setup.schedule.cronInvalid')}</span> : null}
        </p>
      ) : null}
    </fieldset>
  );
}

/** The cron string to save for a preset choice (undefined = manual only). */
export function scheduleValue(preset: SchedulePreset, cron: string): string | undefined {
  if (preset === 'manual') return undefined;
  if (preset === 'custom') return cron.trim();
  return SCHEDULE_PRESETS[preset];
}
