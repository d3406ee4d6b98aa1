import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AppState } from '../../../../contract/app-state.js';
import type { Plan, Retention } from '../../../../contract/config.js';
import type { ErrorInfo } from '../../../../contract/errors.js';
import { api } from '../../api/client.js';
import { ErrorNote } from '../../components/error-note.js';
import { useLang } from '../../components/use-lang.js';
import { formatDateTime } from '../../i18n/format.js';
import { DEFAULT_RETENTION, looksLikeCron, presetOf, type SchedulePreset } from '../setup/defaults.js';
import { RetentionFields } from '../setup/retention-fields.js';
import { ScheduleFields, scheduleValue } from '../setup/schedule-fields.js';

const lines = (s: string) =>
  s
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

function PlanEditor({
  state,
  plan,
  onDone,
}: {
  state: AppState;
  plan: Plan | undefined;
  onDone: () => void;
}) {
  const { t } = useTranslation();
  const [name, setName] = useState(plan?.name ?? '');
  const [repo, setRepo] = useState(plan?.repo ?? state.config.repositories[0]?.name ?? '');
  const [sources, setSources] = useState((plan?.paths ?? []).join('\n'));
  const [excludes, setExcludes] = useState((plan?.excludes ?? []).join('\n'));
  const [preset, setPreset] = useState<SchedulePreset>(presetOf(plan?.schedule));
  const [cron, setCron] = useState(plan?.schedule ?? '0 * * * *');
  const [retention, setRetention] = useState<Retention>(plan?.retention ?? DEFAULT_RETENTION);
  // A changed policy of an existing plan (whose snapshots it would thin out) is saved only after its preview.
  const [retentionChecked, setRetentionChecked] = useState(true);
  const [limit, setLimit] = useState(plan?.limitUploadKiB ? String(plan.limitUploadKiB) : '');
  const [prune, setPrune] = useState(plan?.prune ?? true);
  const [notOnBattery, setNotOnBattery] = useState(plan?.conditions.notOnBattery ?? false);
  const [error, setError] = useState<ErrorInfo>();
  const [saved, setSaved] = useState(false);
  const appendOnly = state.config.repositories.find((r) => r.name === repo)?.target.kind === 'append-only';

  return (
    <form
      aria-label={plan ? t('plans.edit', { name: plan.name }) : t('plans.add')}
      onSubmit={async (e) => {
        e.preventDefault();
        const schedule = scheduleValue(preset, cron);
        const limitKiB = Number(limit);
        const r = await api().savePlan({
          plan: {
            name,
            repo,
            paths: lines(sources),
            excludes: lines(excludes),
            ...(schedule ? { schedule } : {}),
            retention,
            prune: appendOnly ? false : prune,
            ...(limit && limitKiB > 0 ? { limitUploadKiB: Math.floor(limitKiB) } : {}),
            conditions: { notOnBattery },
          },
          ...(plan ? { previousName: plan.name } : {}),
        });
        setError(r.ok ? undefined : r.error);
        setSaved(r.ok);
        if (r.ok) onDone();
      }}
    >
      <h2>{plan ? t('plans.edit', { name: plan.name }) : t('plans.add')}</h2>
      <p>
        <label htmlFor="plan-name">{t('plans.name')}</label>{' '}
        <input id="plan-name" value={name} onChange={(e) => setName(e.target.value)} required />
      </p>
      <p>
        <label htmlFor="plan-repo">{t('plans.repo')}</label>{' '}
        <select id="plan-repo" value={repo} onChange={(e) => setRepo(e.target.value)}>
          {state.config.repositories.map((r) => (
            <option key={r.name}>{r.name}</option>
          ))}
        </select>
      </p>
      <p>
        <label htmlFor="plan-sources">{t('plans.sources')}</label>
        <br />
        <textarea
          id="plan-sources"
          rows={4}
          cols={60}
          value={sources}
          onChange={(e) => setSources(e.target.value)}
        />
      </p>
      <p>
        <label htmlFor="plan-excludes">{t('plans.excludes')}</label>
        <br />
        <textarea
          id="plan-excludes"
          rows={4}
          cols={60}
          value={excludes}
          onChange={(e) => setExcludes(e.target.value)}
        />
      </p>
      <ScheduleFields
        preset={preset}
        cron={cron}
        onChange={(p, c) => (setPreset(p), setCron(c))}
        idPrefix="plan"
      />
      <p>
        <label>
          <input type="checkbox" checked={notOnBattery} onChange={(e) => setNotOnBattery(e.target.checked)} />{' '}
          {t('setup.schedule.notOnBattery')}
        </label>
      </p>
      <RetentionFields
        repo={repo}
        {...(plan ? { plan: plan.name } : {})}
        value={retention}
        onChange={(r) => {
          setRetention(r);
          if (plan) setRetentionChecked(false);
        }}
        onPreviewed={() => setRetentionChecked(true)}
        idPrefix="plan-ret"
        appendOnly={appendOnly}
      />
      {retentionChecked ? null : <p role="note">{t('plans.previewFirst')}</p>}
      {!appendOnly ? (
        <p>
          <label>
            <input type="checkbox" checked={prune} onChange={(e) => setPrune(e.target.checked)} />{' '}
            {t('plans.prune')}
          </label>
        </p>
      ) : null}
      <p>
        <label htmlFor="plan-limit">{t('plans.limit')}</label>{' '}
        <input
          id="plan-limit"
          type="number"
          min={1}
          value={limit}
          onChange={(e) => setLimit(e.target.value)}
        />
      </p>
      <ErrorNote error={error} />
      <p>
        <button type="submit" disabled={(preset === 'custom' && !looksLikeCron(cron)) || !retentionChecked}>
          {t('common.save')}
        </button>{' '}
        <button type="button" onClick={onDone}>
          {t('common.cancel')}
        </button>{' '}
        <span role="status">{saved ? t('common.saved') : ''}</span>
      </p>
    </form>
  );
}

export function PlansScreen({ state }: { state: AppState }) {
  const { t } = useTranslation();
  const lang = useLang();
  const [editing, setEditing] = useState<string | 'new'>();
  const [error, setError] = useState<ErrorInfo>();
  const plan = editing && editing !== 'new' ? state.config.plans.find((p) => p.name === editing) : undefined;
  return (
    <div className="plans">
      <h1>{t('plans.title')}</h1>
      {state.config.plans.length === 0 ? <p>{t('plans.none')}</p> : null}
      <ul>
        {state.config.plans.map((p) => {
          const next = state.plans.find((s) => s.name === p.name)?.nextRun;
          return (
            <li key={p.name}>
              <strong>{p.name}</strong> → {p.repo}: {p.paths.join(', ')}
              {next ? <> — {t('plans.nextRun', { when: formatDateTime(next, lang) })}</> : null}{' '}
              <button
                type="button"
                onClick={() => setEditing(p.name)}
                aria-label={t('plans.edit', { name: p.name })}
              >
                ✎
              </button>{' '}
              <button
                type="button"
                aria-label={`${t('common.delete')} ${p.name}`}
                onClick={async () => {
                  if (!window.confirm(t('plans.deleteConfirm', { name: p.name }))) return;
                  const r = await api().deletePlan({ name: p.name });
                  setError(r.ok ? undefined : r.error);
                }}
              >
                {t('common.delete')}
              </button>
            </li>
          );
        })}
      </ul>
      <ErrorNote error={error} />
      {editing ? (
        <PlanEditor key={editing} state={state} plan={plan} onDone={() => setEditing(undefined)} />
      ) : (
        <button type="button" onClick={() => setEditing('new')}>
          {t('plans.add')}
        </button>
      )}
    </div>
  );
}
