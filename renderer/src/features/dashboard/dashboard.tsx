import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AppState, ChainStatus, HopState, RunRecord } from '../../../../contract/app-state.js';
import {
  chainAdvice,
  safeNote,
  hopAdvice,
  workstationState,
  type Advice,
  type AdviceFormat,
  type AdviceLang,
} from '../../../../contract/chain-advice.js';
import type { ErrorInfo } from '../../../../contract/errors.js';
import { api } from '../../api/client.js';
import { ErrorNote } from '../../components/error-note.js';
import { JobCard } from '../../components/job-card.js';
import { useLang, useNow } from '../../components/use-lang.js';
import { formatDateTime, formatDuration, formatRelative } from '../../i18n/format.js';
import { useNavStore } from '../../stores/nav-store.js';
import { TrustNote } from './trust-note.js';
import { DrillLine } from './drill-line.js';

/** The chain texts (contract/chain-advice.ts) in the UI's language and formats. */
function useAdvice(): { lang: AdviceLang; fmt: AdviceFormat } {
  const lang = useLang();
  return {
    lang: lang === 'de' ? 'de' : 'en',
    fmt: { when: (iso) => formatDateTime(iso, lang), duration: (s) => formatDuration(s, lang) },
  };
}

function AdviceText({ advice }: { advice: Advice | undefined }) {
  const { t } = useTranslation();
  if (!advice) return null;
  return (
    <>
      <span className="hop-reason">{advice.reason}</span>
      <span className="hop-next">{t('dashboard.nextStep', { next: advice.next })}</span>
    </>
  );
}

function Hop({
  name,
  state,
  lastSuccess,
  now,
  advice,
}: {
  name: string;
  state: HopState;
  lastSuccess?: string;
  now: number;
  advice?: Advice | undefined;
}) {
  const { t } = useTranslation();
  const lang = useLang();
  return (
    <li className={`hop hop-${state}`}>
      <strong>{name}</strong>
      <span className="hop-state">{t(`dashboard.hop.${state}`)}</span>
      {lastSuccess ? (
        <span>
          {t('dashboard.lastSuccess', { when: formatDateTime(lastSuccess, lang) })} (
          {formatRelative(lastSuccess, now, lang)})
        </span>
      ) : null}
      <AdviceText advice={advice} />
    </li>
  );
}

function Verdict({ chain }: { chain: ChainStatus }) {
  const { t } = useTranslation();
  const lang = useLang();
  const advice = useAdvice();
  const lag = chain.offsite.lagSeconds;
  const risk = chain.verdict === 'at-risk' ? chainAdvice(chain, advice.lang, advice.fmt) : undefined;
  const note = safeNote(chain, advice.lang);
  const text = risk
    ? t('dashboard.verdict.at-risk', { reason: risk.reason })
    : chain.verdict === 'not-yet-offsite'
      ? lag !== undefined
        ? t('dashboard.verdict.not-yet-offsite', { lag: formatDuration(lag, lang) })
        : t('dashboard.verdict.not-yet-offsite-nolag')
      : chain.verdict === 'unknown'
        ? t('dashboard.verdict.unknown', {
            reason: chain.offsite.trust?.problem
              ? t(`dashboard.trust.${chain.offsite.trust.problem}`)
              : (chain.offsite.reason ?? chain.onsite.reason ?? t('common.unknown')),
          })
        : t(`dashboard.verdict.${chain.verdict}`);
  return (
    <p className={`verdict verdict-${chain.verdict}`} role="status">
      {text}
      {chain.verdict === 'not-yet-offsite' && chain.offsite.snapshotsBehind ? (
        <> — {t('dashboard.snapshotsBehind', { count: chain.offsite.snapshotsBehind })}</>
      ) : null}
      {note ? <span className="verdict-note"> ({note})</span> : null}
      {risk ? <span className="verdict-next"> {t('dashboard.nextStep', { next: risk.next })}</span> : null}
    </p>
  );
}

function Chains({ state, now }: { state: AppState; now: number }) {
  const { t } = useTranslation();
  const { lang, fmt } = useAdvice();
  return (
    <section aria-labelledby="chain-title">
      <h2 id="chain-title">{t('dashboard.chain')}</h2>
      {state.repos.map((repo) => {
        const local = state.config.repositories.find((r) => r.name === repo.name)?.target.kind === 'local';
        const c = repo.chain;
        return (
          <div key={repo.name} className="chain" aria-label={repo.name} role="group">
            <Verdict chain={c} />
            <TrustNote chain={c} />
            <ol className="hops">
              <Hop
                name={t('dashboard.workstation')}
                state={workstationState(c)}
                {...(c.workstation.lastSuccess ? { lastSuccess: c.workstation.lastSuccess } : {})}
                now={now}
                advice={hopAdvice(c, 'workstation', lang, fmt)}
              />
              <Hop
                name={local ? t('dashboard.onsiteLocal') : t('dashboard.onsite')}
                state={c.onsite.state}
                {...(c.onsite.lastSuccess ? { lastSuccess: c.onsite.lastSuccess } : {})}
                now={now}
                advice={hopAdvice(c, 'onsite', lang, fmt)}
              />
              <Hop
                name={t('dashboard.offsite')}
                state={c.offsite.state}
                {...(c.offsite.lastSuccess ? { lastSuccess: c.offsite.lastSuccess } : {})}
                now={now}
                advice={hopAdvice(c, 'offsite', lang, fmt)}
              />
            </ol>
            <DrillLine repo={repo} now={now} />
          </div>
        );
      })}
    </section>
  );
}

export function RunLine({ run }: { run: RunRecord }) {
  const { t } = useTranslation();
  const lang = useLang();
  const go = useNavStore((s) => s.go);
  return (
    <li className={`run run-${run.result}`}>
      <span>{formatDateTime(run.endedAt, lang)}</span>{' '}
      <span>
        {t('dashboard.runLine', {
          kind: t(`jobKind.${run.kind}`),
          name: run.plan ?? run.repo,
          result: t(`result.${run.result}`),
        })}
      </span>{' '}
      <span className="trigger">({t(`trigger.${run.trigger}`)})</span>
      {run.error ? <span className="run-error">: {run.error.message}</span> : null}{' '}
      <button
        type="button"
        onClick={() => go('logs', { runId: run.id })}
        aria-label={`${t('dashboard.details')}: ${formatDateTime(run.endedAt, lang)}`}
      >
        {t('dashboard.details')}
      </button>
    </li>
  );
}

export function Dashboard({ state }: { state: AppState }) {
  const { t } = useTranslation();
  const lang = useLang();
  const now = useNow();
  const go = useNavStore((s) => s.go);
  const [error, setError] = useState<ErrorInfo>();
  const paused = state.pausedUntil && Date.parse(state.pausedUntil) > now ? state.pausedUntil : undefined;
  const next = state.plans
    .filter((p) => p.nextRun)
    .sort((a, b) => Date.parse(a.nextRun!) - Date.parse(b.nextRun!));

  if (state.config.repositories.length === 0) {
    return (
      <section>
        <h1>{t('dashboard.title')}</h1>
        <p>{t('dashboard.setupFirst')}</p>
        <button type="button" onClick={() => go('setup')}>
          {t('dashboard.startSetup')}
        </button>
      </section>
    );
  }

  return (
    <div className="dashboard">
      <h1>{t('dashboard.title')}</h1>
      {state.repos
        .filter((r) => r.hasPassword === false)
        .map((r) => (
          <div key={r.name} role="alert" className="error-note">
            <p>{t('dashboard.noPassword', { repo: r.name })}</p>
            <button type="button" onClick={() => go('settings')}>
              {t('dashboard.enterPassword')}
            </button>
          </div>
        ))}
      <Chains state={state} now={now} />
      <section aria-labelledby="running-title">
        <h2 id="running-title">{t('dashboard.running')}</h2>
        {state.jobs.length === 0 ? (
          <p>{t('dashboard.noJobs')}</p>
        ) : (
          state.jobs.map((j) => <JobCard key={j.id} job={j} />)
        )}
        <div className="actions">
          {state.config.plans.map((p) => (
            <button
              key={p.name}
              type="button"
              onClick={async () => {
                const r = await api().backupNow({ plan: p.name });
                setError(r.ok ? undefined : r.error);
              }}
            >
              {t('dashboard.backupNow', { plan: p.name })}
            </button>
          ))}
        </div>
        <ErrorNote error={error} />
      </section>
      <section aria-labelledby="next-title">
        <h2 id="next-title">{t('dashboard.nextRun')}</h2>
        {paused ? (
          <p>
            {t('dashboard.paused', { when: formatDateTime(paused, lang) })}{' '}
            <button type="button" onClick={async () => void (await api().resume())}>
              {t('dashboard.resume')}
            </button>
          </p>
        ) : null}
        {next.length === 0 ? (
          <p>{t('dashboard.noSchedule')}</p>
        ) : (
          <ul>
            {next.map((p) => (
              <li key={p.name}>
                {t('dashboard.nextRunAt', {
                  plan: p.name,
                  when: `${formatDateTime(p.nextRun, lang)} (${formatRelative(p.nextRun, now, lang)})`,
                })}
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="recent-title">
        <h2 id="recent-title">{t('dashboard.recent')}</h2>
        {state.recentRuns.length === 0 ? (
          <p>{t('dashboard.noRuns')}</p>
        ) : (
          <ul className="runs">
            {state.recentRuns.slice(0, 10).map((r) => (
              <RunLine key={r.id} run={r} />
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}
