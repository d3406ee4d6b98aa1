import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AppState } from '../../../../contract/app-state.js';
import type { Snapshot, SnapshotDiff } from '../../../../contract/browse.js';
import type { ErrorInfo } from '../../../../contract/errors.js';
import { api } from '../../api/client.js';
import { ErrorNote } from '../../components/error-note.js';
import { RepoPicker } from '../../components/repo-picker.js';
import { useLang } from '../../components/use-lang.js';
import { VirtualList } from '../../components/virtual-list.js';
import { formatBytes, formatDateTime, formatNumber } from '../../i18n/format.js';
import { useNavStore } from '../../stores/nav-store.js';

function DiffView({ diff, from, to }: { diff: SnapshotDiff; from: Snapshot; to: Snapshot }) {
  const { t } = useTranslation();
  const lang = useLang();
  return (
    <section aria-labelledby="diff-title">
      <h2 id="diff-title">
        {t('snapshots.diffTitle', {
          from: formatDateTime(from.time, lang),
          to: formatDateTime(to.time, lang),
        })}
      </h2>
      <p>
        {t('snapshots.diffSummary', {
          added: formatNumber(diff.added.files, lang),
          addedBytes: formatBytes(diff.added.bytes, lang),
          removed: formatNumber(diff.removed.files, lang),
          removedBytes: formatBytes(diff.removed.bytes, lang),
          changed: formatNumber(diff.changedFiles, lang),
        })}
      </p>
      {diff.truncated ? <p>{t('snapshots.diffTruncated')}</p> : null}
      <VirtualList
        items={diff.changes}
        label={t('snapshots.diffTitle', {
          from: formatDateTime(from.time, lang),
          to: formatDateTime(to.time, lang),
        })}
        getKey={(c) => `${c.modifier}${c.path}`}
        renderRow={(c) => (
          <span
            className={`change change-${c.modifier === '+' ? 'added' : c.modifier === '-' ? 'removed' : 'changed'}`}
          >
            <span className="modifier">{t(`snapshots.modifier.${c.modifier}`)}</span> {c.path}
          </span>
        )}
      />
    </section>
  );
}

export function SnapshotsScreen({ state }: { state: AppState }) {
  const { t } = useTranslation();
  const lang = useLang();
  const go = useNavStore((s) => s.go);
  const [repo, setRepo] = useState(state.config.repositories[0]?.name ?? '');
  const [snapshots, setSnapshots] = useState<Snapshot[]>();
  const [error, setError] = useState<ErrorInfo>();
  const [picked, setPicked] = useState<string[]>([]);
  const [diff, setDiff] = useState<{ diff: SnapshotDiff; from: Snapshot; to: Snapshot }>();
  const newestRun = state.recentRuns[0]?.id;

  useEffect(() => {
    if (!repo) return;
    let live = true;
    void api()
      .listSnapshots({ repo })
      .then((r) => {
        if (!live) return;
        if (r.ok) {
          setSnapshots([...r.value].reverse());
          setError(undefined);
        } else setError(r.error);
      });
    return () => {
      live = false;
    };
    // Reload when a run finishes (a new snapshot may exist).
  }, [repo, newestRun]);

  const toggle = (id: string) =>
    setPicked((p) => (p.includes(id) ? p.filter((x) => x !== id) : [...p.slice(-1), id]));
  const compare = async () => {
    const [a, b] = picked
      .map((id) => snapshots!.find((s) => s.id === id)!)
      .sort((x, y) => Date.parse(x.time) - Date.parse(y.time));
    if (!a || !b) return;
    const r = await api().diffSnapshots({ repo, from: a.id, to: b.id });
    if (r.ok) setDiff({ diff: r.value, from: a, to: b });
    else setError(r.error);
  };

  return (
    <div className="snapshots">
      <h1>{t('snapshots.title')}</h1>
      <RepoPicker
        names={state.config.repositories.map((r) => r.name)}
        value={repo}
        onChange={setRepo}
        id="snap-repo"
      />
      <ErrorNote error={error} />
      {!snapshots ? (
        <p>{t('snapshots.loading')}</p>
      ) : snapshots.length === 0 ? (
        <p>{t('snapshots.empty')}</p>
      ) : (
        <>
          <p>{t('snapshots.count', { count: snapshots.length, n: formatNumber(snapshots.length, lang) })}</p>
          <div className="row-head" aria-hidden="true">
            <span>{t('snapshots.time')}</span>
            <span>{t('snapshots.host')}</span>
            <span>{t('snapshots.paths')}</span>
            <span>{t('snapshots.added')}</span>
            <span>{t('snapshots.offsite')}</span>
          </div>
          <VirtualList
            items={snapshots}
            label={t('snapshots.title')}
            getKey={(s) => s.id}
            renderRow={(s) => (
              <div className="snapshot-row">
                <input
                  type="checkbox"
                  checked={picked.includes(s.id)}
                  onChange={() => toggle(s.id)}
                  aria-label={t('snapshots.select', { time: formatDateTime(s.time, lang) })}
                />
                <span>{formatDateTime(s.time, lang)}</span>
                <span>{s.hostname}</span>
                <span className="paths">{s.paths.join(', ')}</span>
                <span>{formatBytes(s.dataAdded, lang)}</span>
                <span>{s.offsite === undefined ? '' : s.offsite ? t('common.yes') : t('common.no')}</span>
                <button
                  type="button"
                  onClick={() => go('restore', { snapshot: { repo, id: s.id } })}
                  aria-label={`${t('snapshots.restoreFrom')}: ${formatDateTime(s.time, lang)}`}
                >
                  {t('nav.restore')}
                </button>
              </div>
            )}
          />
          <p>
            <button type="button" disabled={picked.length !== 2} onClick={compare}>
              {t('snapshots.compareSelected')}
            </button>{' '}
            {picked.length !== 2 ? <span>{t('snapshots.pickTwo')}</span> : null}
          </p>
        </>
      )}
      {diff ? <DiffView {...diff} /> : null}
    </div>
  );
}
