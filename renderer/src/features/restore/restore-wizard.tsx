import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AppState } from '../../../../contract/app-state.js';
import type { DirEntry, SearchHit, Snapshot, Source } from '../../../../contract/browse.js';
import type { ErrorInfo } from '../../../../contract/errors.js';
import { api } from '../../api/client.js';
import { ErrorNote } from '../../components/error-note.js';
import { JobCard } from '../../components/job-card.js';
import { useLang } from '../../components/use-lang.js';
import { VirtualList } from '../../components/virtual-list.js';
import { formatBytes, formatDateTime, formatNumber } from '../../i18n/format.js';
import { useEnvStore } from '../../stores/env-store.js';
import { useNavStore } from '../../stores/nav-store.js';
import { RepoPicker } from '../../components/repo-picker.js';
import { RadioGroup } from '../../components/radio-group.js';

type Step = 'select' | 'destination' | 'progress';

/** How many of the newest snapshots the snapshot picker lists. */
const PICKABLE = 100;
type Conflict = 'keepBoth' | 'overwrite' | 'skip';

/** Parent of a snapshot path (`/a/b` → `/a`, `/a` → `/`). */
export function parentPath(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/** Local date and time as a folder name: `2026-03-10 14-05` (no characters Windows forbids). */
export function restoreFolderName(now: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${p(now.getMonth() + 1)}-${p(now.getDate())} ${p(now.getHours())}-${p(now.getMinutes())}`;
}

function Browser({
  repo,
  snapshot,
  source,
  selected,
  toggle,
}: {
  repo: string;
  snapshot: Snapshot;
  source: Source;
  selected: Set<string>;
  toggle: (path: string) => void;
}) {
  const { t } = useTranslation();
  const lang = useLang();
  // Start in the first backed-up folder: that is where the user's files are.
  const [path, setPath] = useState(snapshot.paths[0] ?? '/');
  const [listing, setListing] = useState<{ path: string; entries: DirEntry[] }>();
  const [error, setError] = useState<ErrorInfo>();
  useEffect(() => {
    let live = true;
    void api()
      .listDir({ repo, snapshot: snapshot.id, path, source })
      .then((r) => {
        if (!live) return;
        if (r.ok) {
          setListing({ path, entries: r.value.entries });
          setError(undefined);
        } else setError(r.error);
      });
    return () => {
      live = false;
    };
  }, [repo, snapshot.id, path, source]);
  const entries = listing?.path === path ? listing.entries : undefined;
  return (
    <section aria-labelledby="browse-title">
      <h2 id="browse-title">{t('restore.browse')}</h2>
      <p>
        <button type="button" disabled={path === '/'} onClick={() => setPath(parentPath(path))}>
          {t('restore.up')}
        </button>{' '}
        <span>
          {t('restore.path')}: <code data-testid="current-path">{path}</code>
        </span>
      </p>
      <ErrorNote error={error} />
      {!entries ? (
        <p role="status">{t('restore.loadingDir')}</p>
      ) : entries.length === 0 ? (
        <p>{t('restore.emptyDir')}</p>
      ) : (
        <VirtualList
          items={entries}
          label={path}
          getKey={(e) => e.path}
          renderRow={(e) => (
            <div className={`entry entry-${e.type}`}>
              <input
                type="checkbox"
                checked={selected.has(e.path)}
                onChange={() => toggle(e.path)}
                aria-label={t('restore.selectItem', { name: e.name })}
              />
              {e.type === 'dir' ? (
                <button
                  type="button"
                  className="link"
                  onClick={() => setPath(e.path)}
                  aria-label={t('restore.open', { name: e.name })}
                >
                  {e.name}/
                </button>
              ) : (
                <span>{e.name}</span>
              )}
              <span className="size">{formatBytes(e.size, lang)}</span>
              <span className="mtime">{formatDateTime(e.mtime, lang)}</span>
            </div>
          )}
        />
      )}
    </section>
  );
}

function Search({
  repo,
  source,
  onPick,
  selected,
}: {
  repo: string;
  source: Source;
  onPick: (hit: SearchHit) => void;
  selected: Set<string>;
}) {
  const { t } = useTranslation();
  const lang = useLang();
  const [pattern, setPattern] = useState('');
  const [result, setResult] = useState<{ hits: SearchHit[]; truncated: boolean }>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorInfo>();
  return (
    <section aria-labelledby="search-title">
      <h2 id="search-title">{t('restore.search')}</h2>
      <form
        role="search"
        onSubmit={async (e) => {
          e.preventDefault();
          if (!pattern.trim()) return;
          setBusy(true);
          const r = await api().searchFiles({ repo, pattern: pattern.trim(), source });
          setBusy(false);
          if (r.ok) {
            setResult(r.value);
            setError(undefined);
          } else setError(r.error);
        }}
      >
        <label htmlFor="search-pattern">{t('restore.search')}</label>{' '}
        <input
          id="search-pattern"
          type="search"
          value={pattern}
          onChange={(e) => setPattern(e.target.value)}
        />{' '}
        <button type="submit">{t('restore.searchButton')}</button> <span>{t('restore.searchAll')}</span>
      </form>
      {busy ? <p role="status">{t('restore.searching')}</p> : null}
      <ErrorNote error={error} />
      {result ? (
        result.hits.length === 0 ? (
          <p>{t('restore.noHits')}</p>
        ) : (
          <>
            {result.truncated ? <p>{t('restore.hitsTruncated', { count: result.hits.length })}</p> : null}
            <VirtualList
              items={result.hits}
              height={240}
              label={t('restore.search')}
              getKey={(h) => `${h.snapshotId}:${h.path}`}
              renderRow={(h) => (
                <div className="hit">
                  <input
                    type="checkbox"
                    checked={selected.has(h.path)}
                    onChange={() => onPick(h)}
                    aria-label={`${t('restore.selectItem', { name: h.path })} ${t('restore.hitIn', { time: formatDateTime(h.snapshotTime, lang) })}`}
                  />
                  <span>{h.path}</span>{' '}
                  <span className="hit-in">
                    {t('restore.hitIn', { time: formatDateTime(h.snapshotTime, lang) })}
                  </span>
                </div>
              )}
            />
          </>
        )
      ) : null}
    </section>
  );
}

/**
 * Restore in one flow: snapshot (newest preselected) → browse folder by folder or search → select →
 * destination (new folder by default, or the original place with a conflict choice) → progress → done.
 */
export function RestoreWizard({ state }: { state: AppState }) {
  const { t } = useTranslation();
  const lang = useLang();
  const env = useEnvStore((s) => s.env);
  const preset = useNavStore((s) => s.snapshot);
  const go = useNavStore((s) => s.go);
  const [repo, setRepo] = useState(preset?.repo ?? state.config.repositories[0]?.name ?? '');
  const [source, setSource] = useState<Source>('onsite');
  const [snapshots, setSnapshots] = useState<Snapshot[]>();
  const [snapshotId, setSnapshotId] = useState<string>();
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [step, setStep] = useState<Step>('select');
  const [toOriginal, setToOriginal] = useState(false);
  const [conflict, setConflict] = useState<Conflict>('keepBoth');
  const [folder, setFolder] = useState<string>();
  const [jobId, setJobId] = useState<string>();
  const [error, setError] = useState<ErrorInfo>();
  const hasOffsite = !!state.config.repositories.find((r) => r.name === repo)?.offsite;

  useEffect(() => {
    if (!repo) return;
    let live = true;
    void api()
      .listSnapshots({ repo, source })
      .then((r) => {
        if (!live) return;
        if (!r.ok) return setError(r.error);
        // A failure of the other source (the onsite Pi is gone) no longer applies.
        setError(undefined);
        const list = [...r.value].sort((a, b) => Date.parse(b.time) - Date.parse(a.time));
        setSnapshots(list);
        setSnapshotId((cur) =>
          cur && list.some((s) => s.id === cur)
            ? cur
            : preset && preset.repo === repo && list.some((s) => s.id === preset.id)
              ? preset.id
              : list[0]?.id,
        );
      });
    return () => {
      live = false;
    };
  }, [repo, source, preset]);

  const snapshot = snapshots?.find((s) => s.id === snapshotId);
  // A <select> with thousands of options is slow and useless: offer the newest ones (plus the chosen one);
  // older snapshots are reached from the Snapshots screen, whose list is virtualized.
  const pickable = useMemo(() => {
    const newest = (snapshots ?? []).slice(0, PICKABLE);
    return snapshot && !newest.includes(snapshot) ? [...newest, snapshot] : newest;
  }, [snapshots, snapshot]);
  const defaultFolder = useMemo(
    () => (env ? `${env.restoreRoot}${env.sep}${restoreFolderName(new Date())}` : ''),
    [env],
  );
  const target = folder ?? defaultFolder;
  const job = jobId ? state.jobs.find((j) => j.id === jobId) : undefined;
  // The engine may reuse the job id as the run id, or name the job in `jobId`: accept either.
  const run = jobId ? state.recentRuns.find((r) => r.jobId === jobId || r.id === jobId) : undefined;

  const toggle = (path: string) =>
    setSelected((prev) => {
      const next = new Set(prev);
      if (next.has(path)) next.delete(path);
      else next.add(path);
      return next;
    });
  const pickHit = (hit: SearchHit) => {
    if (hit.snapshotId !== snapshotId) {
      // A selection belongs to one snapshot: switching snapshot starts a new selection.
      setSnapshotId(hit.snapshotId);
      setSelected(new Set([hit.path]));
    } else toggle(hit.path);
  };
  const start = async () => {
    if (!snapshot) return;
    const r = await api().restore({
      repo,
      snapshot: snapshot.id,
      includes: [...selected],
      source,
      destination: toOriginal
        ? { kind: 'original', conflict }
        : { kind: 'folder', ...(target ? { path: target } : {}) },
    });
    if (!r.ok) return setError(r.error);
    setError(undefined);
    setJobId(r.value.jobId);
    setStep('progress');
  };
  const reset = () => {
    setSelected(new Set());
    setJobId(undefined);
    setStep('select');
  };

  return (
    <div className="restore">
      <h1>{t('restore.title')}</h1>
      <ol className="steps" aria-label={t('restore.title')}>
        {(['select', 'destination', 'progress'] as Step[]).map((s) => (
          <li key={s} aria-current={step === s ? 'step' : undefined}>
            {t(`restore.steps.${s === 'select' ? 'select' : s}`)}
          </li>
        ))}
      </ol>
      <ErrorNote error={error} />
      {step === 'select' ? (
        <>
          <RepoPicker
            names={state.config.repositories.map((r) => r.name)}
            value={repo}
            onChange={(v) => (setRepo(v), setSelected(new Set()))}
            id="restore-repo"
          />
          {hasOffsite ? (
            <RadioGroup
              legend={t('restore.source')}
              name="source"
              value={source}
              options={[
                { value: 'onsite', label: t('restore.sourceOnsite') },
                { value: 'offsite', label: t('restore.sourceOffsite') },
              ]}
              onChange={(s) => {
                // The other source's list and selection are not this one's: reload, start a new selection.
                setSource(s);
                setSnapshots(undefined);
                setSelected(new Set());
                setError(undefined);
              }}
            />
          ) : null}
          {snapshots && snapshots.length > 0 ? (
            <p>
              <label htmlFor="restore-snapshot">{t('restore.snapshot')}</label>{' '}
              <select
                id="restore-snapshot"
                value={snapshotId ?? ''}
                onChange={(e) => {
                  setSnapshotId(e.target.value);
                  setSelected(new Set());
                }}
              >
                {pickable.map((s, i) => (
                  <option key={s.id} value={s.id}>
                    {formatDateTime(s.time, lang)}
                    {i === 0 ? ` (${t('restore.newest')})` : ''} — {s.hostname}
                  </option>
                ))}
              </select>{' '}
              {snapshots.length > PICKABLE ? (
                <button type="button" className="link" onClick={() => go('snapshots')}>
                  {t('restore.olderSnapshots')}
                </button>
              ) : null}
            </p>
          ) : snapshots ? (
            <p>{t('snapshots.empty')}</p>
          ) : (
            <p role="status">{t('snapshots.loading')}</p>
          )}
          {snapshot ? (
            <Browser
              key={`${repo}:${snapshot.id}:${source}`}
              repo={repo}
              snapshot={snapshot}
              source={source}
              selected={selected}
              toggle={toggle}
            />
          ) : null}
          <Search repo={repo} source={source} onPick={pickHit} selected={selected} />
          <p className="selection" role="status">
            {t('restore.selected', { count: selected.size })}{' '}
            {selected.size > 0 ? (
              <button type="button" onClick={() => setSelected(new Set())}>
                {t('restore.clearSelection')}
              </button>
            ) : null}
          </p>
          <button type="button" disabled={selected.size === 0} onClick={() => setStep('destination')}>
            {t('common.next')}
          </button>
        </>
      ) : null}
      {step === 'destination' ? (
        <section aria-labelledby="dest-title">
          <h2 id="dest-title">{t('restore.destination')}</h2>
          <RadioGroup
            legend={t('restore.destination')}
            name="dest"
            value={toOriginal ? 'original' : 'folder'}
            options={[
              { value: 'folder', label: t('restore.toFolder') },
              { value: 'original', label: t('restore.toOriginal') },
            ]}
            onChange={(d) => setToOriginal(d === 'original')}
          />
          {!toOriginal ? (
            <p>
              <label htmlFor="restore-folder">{t('restore.folder')}</label>{' '}
              <input
                id="restore-folder"
                type="text"
                value={target}
                onChange={(e) => setFolder(e.target.value)}
                size={50}
              />{' '}
              <button
                type="button"
                onClick={async () => {
                  const r = await api().chooseFolder({ defaultPath: env?.restoreRoot });
                  if (r.ok && r.value.path) setFolder(r.value.path);
                }}
              >
                {t('common.browse')}
              </button>
            </p>
          ) : (
            <RadioGroup
              legend={t('restore.conflict')}
              name="conflict"
              value={conflict}
              options={(['keepBoth', 'overwrite', 'skip'] as Conflict[]).map((c) => ({
                value: c,
                label: t(`restore.${c}`),
              }))}
              onChange={setConflict}
            />
          )}
          <p>
            <button type="button" onClick={() => setStep('select')}>
              {t('common.back')}
            </button>{' '}
            <button type="button" onClick={start} disabled={!toOriginal && !target}>
              {t('restore.start')}
            </button>
          </p>
        </section>
      ) : null}
      {step === 'progress' ? (
        <section aria-labelledby="progress-title">
          {run ? (
            <>
              <h2 id="progress-title">
                {run.result === 'success' || run.result === 'partial'
                  ? t('restore.doneTitle')
                  : t('restore.failed')}
              </h2>
              <ErrorNote error={run.error} />
              {run.restore ? (
                <>
                  <p>
                    {t('restore.doneBody', {
                      count: run.restore.filesRestored,
                      n: formatNumber(run.restore.filesRestored, lang),
                      target: run.restore.target,
                    })}
                  </p>
                  <h3>{t('restore.restoredList')}</h3>
                  <ul className="restored">
                    {run.restore.paths.map((p) => (
                      <li key={p}>{p}</li>
                    ))}
                  </ul>
                  <button
                    type="button"
                    onClick={async () => void (await api().openFolder({ path: run.restore!.target }))}
                  >
                    {t('restore.openFolder')}
                  </button>{' '}
                </>
              ) : null}
              <button type="button" onClick={reset}>
                {t('restore.another')}
              </button>
            </>
          ) : (
            <>
              <h2 id="progress-title">{t('restore.running')}</h2>
              {job ? <JobCard job={job} /> : <p role="status">{t('job.queued')}</p>}
            </>
          )}
        </section>
      ) : null}
    </div>
  );
}
