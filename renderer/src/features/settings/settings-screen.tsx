import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AppState } from '../../../../contract/app-state.js';
import type { Notifications, Settings } from '../../../../contract/config.js';
import type { ErrorInfo } from '../../../../contract/errors.js';
import type { RecoverySheet as Sheet } from '../../../../contract/setup.js';
import { api } from '../../api/client.js';
import { ErrorNote } from '../../components/error-note.js';
import { RepoPicker } from '../../components/repo-picker.js';
import { RecoverySheet } from '../setup/recovery-sheet.js';
import { OffsiteForm } from '../offsite/offsite-form.js';

function PasswordSection({ state }: { state: AppState }) {
  const { t } = useTranslation();
  const [repo, setRepo] = useState(state.repos[0]?.name ?? '');
  const [typed, setTyped] = useState('');
  const [existing, setExisting] = useState('');
  const [error, setError] = useState<ErrorInfo>();
  const [message, setMessage] = useState('');
  const [sheet, setSheet] = useState<Sheet>();
  const info = state.repos.find((r) => r.name === repo);
  const change = async (password: { kind: 'typed'; value: string } | { kind: 'generate' }) => {
    const r = await api().changePassword({ repo, password });
    setTyped('');
    if (!r.ok) return setError(r.error);
    setError(undefined);
    setMessage(t('settings.passwordChanged'));
    const s = await api().recoverySheet({ repo });
    if (s.ok)
      setSheet(
        r.value.generatedPassword ? { ...s.value, generatedPassword: r.value.generatedPassword } : s.value,
      );
  };
  if (!info) return null;
  return (
    <section aria-labelledby="pw-title">
      <h2 id="pw-title">{t('settings.password')}</h2>
      <RepoPicker names={state.repos.map((r) => r.name)} value={repo} onChange={setRepo} id="pw-repo" />
      <p>
        {info.hasPassword ? t('settings.passwordStored', { repo }) : t('settings.passwordMissing', { repo })}
      </p>
      {info.hasPassword ? null : (
        <form
          onSubmit={async (e) => {
            e.preventDefault();
            const r = await api().setPassword({ repo, password: existing });
            setExisting('');
            if (!r.ok) return setError(r.error);
            setError(undefined);
            setMessage(t('settings.passwordSaved'));
          }}
        >
          <p>{t('settings.passwordMissingHelp')}</p>
          <p>
            <label htmlFor="pw-existing">{t('settings.enterPassword')}</label>{' '}
            <input
              id="pw-existing"
              type="password"
              autoComplete="current-password"
              value={existing}
              onChange={(e) => setExisting(e.target.value)}
            />{' '}
            <button type="submit" disabled={existing.length === 0}>
              {t('settings.savePassword')}
            </button>
          </p>
        </form>
      )}
      <p>
        <label htmlFor="pw-new">{t('settings.newPassword')}</label>{' '}
        <input
          id="pw-new"
          type="password"
          autoComplete="new-password"
          value={typed}
          onChange={(e) => setTyped(e.target.value)}
        />{' '}
        <button
          type="button"
          disabled={!info.hasPassword || typed.length < 8}
          onClick={() => change({ kind: 'typed', value: typed })}
        >
          {t('settings.changePassword')}
        </button>{' '}
        <button type="button" disabled={!info.hasPassword} onClick={() => change({ kind: 'generate' })}>
          {t('settings.generateNew')}
        </button>{' '}
        <button
          type="button"
          onClick={async () => {
            const s = await api().recoverySheet({ repo });
            if (s.ok) setSheet(s.value);
            else setError(s.error);
          }}
        >
          {t('settings.recoverySheet')}
        </button>
      </p>
      <p role="status">{message}</p>
      <ErrorNote error={error} />
      {sheet ? <RecoverySheet sheet={sheet} /> : null}
    </section>
  );
}

/** Offsite status and restore access of a Pi repository (the same form as the setup wizard's last step). */
function OffsiteSection({ state }: { state: AppState }) {
  const { t } = useTranslation();
  const piRepos = state.config.repositories.filter((r) => r.target.kind !== 'local');
  const [name, setName] = useState(piRepos[0]?.name ?? '');
  const repo = piRepos.find((r) => r.name === name);
  if (!repo) return null;
  return (
    <section aria-labelledby="offsite-title">
      <h2 id="offsite-title">{t('offsite.title')}</h2>
      <p>{t('offsite.intro')}</p>
      <RepoPicker names={piRepos.map((r) => r.name)} value={name} onChange={setName} id="offsite-repo" />
      <OffsiteForm key={repo.name} repo={repo} idPrefix="settings-offsite" />
    </section>
  );
}

export function SettingsScreen({ state }: { state: AppState }) {
  const { t } = useTranslation();
  const [notifications, setNotifications] = useState<Notifications>(state.config.notifications);
  const [settings, setSettings] = useState<Settings>(state.config.settings);
  const [error, setError] = useState<ErrorInfo>();
  const [saved, setSaved] = useState(false);

  const save = async (next: { notifications?: Notifications; settings?: Settings }) => {
    const r = await api().saveSettings(next);
    setError(r.ok ? undefined : r.error);
    setSaved(r.ok);
  };

  return (
    <div className="settings">
      <h1>{t('settings.title')}</h1>
      <form
        aria-label={t('settings.title')}
        onSubmit={async (e) => {
          e.preventDefault();
          await save({ notifications, settings });
        }}
      >
        <p>
          <label htmlFor="set-lang">{t('settings.language')}</label>{' '}
          <select
            id="set-lang"
            value={settings.language ?? ''}
            onChange={async (e) => {
              const { language: _old, ...rest } = settings;
              const next: Settings =
                e.target.value === 'en' || e.target.value === 'de'
                  ? { ...rest, language: e.target.value }
                  : rest;
              setSettings(next);
              // Language applies at once: the app follows config.settings.language.
              await save({ settings: next });
            }}
          >
            <option value="">{t('settings.languageAuto')}</option>
            <option value="en" lang="en">
              English
            </option>
            <option value="de" lang="de">
              Deutsch
            </option>
          </select>
        </p>
        <fieldset>
          <legend>{t('settings.notifications')}</legend>
          <p>
            <label htmlFor="set-level">{t('settings.level')}</label>{' '}
            <select
              id="set-level"
              value={notifications.level}
              onChange={(e) =>
                setNotifications({ ...notifications, level: e.target.value as Notifications['level'] })
              }
            >
              <option value="errors">{t('settings.levelErrors')}</option>
              <option value="warnings">{t('settings.levelWarnings')}</option>
              <option value="all">{t('settings.levelAll')}</option>
            </select>
          </p>
          <p>
            <label htmlFor="set-stale">{t('settings.staleAfterDays')}</label>{' '}
            <input
              id="set-stale"
              type="number"
              min={1}
              max={365}
              value={notifications.staleAfterDays}
              onChange={(e) => setNotifications({ ...notifications, staleAfterDays: Number(e.target.value) })}
            />
          </p>
          <p>
            <label htmlFor="set-lag">{t('settings.offsiteLagHours')}</label>{' '}
            <input
              id="set-lag"
              type="number"
              min={1}
              max={720}
              value={notifications.offsiteLagHours}
              onChange={(e) =>
                setNotifications({ ...notifications, offsiteLagHours: Number(e.target.value) })
              }
            />
          </p>
        </fieldset>
        <p>
          <label>
            <input
              type="checkbox"
              checked={settings.launchAtLogin}
              onChange={(e) => setSettings({ ...settings, launchAtLogin: e.target.checked })}
            />{' '}
            {t('settings.launchAtLogin')}
          </label>
        </p>
        <p>
          <label htmlFor="set-restic">{t('settings.resticPath')}</label>{' '}
          <input
            id="set-restic"
            value={settings.resticPath ?? ''}
            onChange={(e) => {
              const { resticPath: _old, ...rest } = settings;
              setSettings(e.target.value ? { ...rest, resticPath: e.target.value } : rest);
            }}
          />
        </p>
        <ErrorNote error={error} />
        <p>
          <button type="submit">{t('common.save')}</button>{' '}
          <span role="status">{saved ? t('common.saved') : ''}</span>
        </p>
      </form>
      <PasswordSection state={state} />
      <OffsiteSection state={state} />
    </div>
  );
}
