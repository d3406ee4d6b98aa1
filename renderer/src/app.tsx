import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { reloadState } from './api/client.js';
import { ErrorNote } from './components/error-note.js';
import { Layout } from './components/layout.js';
import { Dashboard } from './features/dashboard/dashboard.js';
import { LogsScreen } from './features/logs/logs-screen.js';
import { PlansScreen } from './features/plans/plans-screen.js';
import { RestoreWizard } from './features/restore/restore-wizard.js';
import { SettingsScreen } from './features/settings/settings-screen.js';
import { SetupWizard } from './features/setup/setup-wizard.js';
import { SnapshotsScreen } from './features/snapshots/snapshots-screen.js';
import { pickLanguage } from './i18n/index.js';
import { useAppStore } from './stores/app-store.js';
import { useNavStore } from './stores/nav-store.js';

/** The window: follows the configured language, opens setup on first run, shows the current screen. */
export function App() {
  const { t, i18n } = useTranslation();
  const state = useAppStore((s) => s.state);
  const loadError = useAppStore((s) => s.loadError);
  const screen = useNavStore((s) => s.screen);
  const go = useNavStore((s) => s.go);
  const language = state?.config.settings.language;
  const unconfigured = state !== undefined && state.config.repositories.length === 0;

  useEffect(() => {
    const lang = pickLanguage(language, navigator.languages ?? [navigator.language]);
    if (i18n.language !== lang) void i18n.changeLanguage(lang);
    document.documentElement.lang = lang;
  }, [language, i18n]);

  useEffect(() => {
    if (unconfigured) go('setup');
  }, [unconfigured, go]);

  useEffect(() => {
    document.title = `${t('app.name')} — ${t(`nav.${screen}`)}`;
  }, [screen, t, i18n.language]);

  if (!state) {
    return (
      <main className="loading">
        {loadError ? (
          <>
            <p>{t('app.loadFailed')}</p>
            <ErrorNote error={loadError} />
            <button type="button" onClick={() => void reloadState()}>
              {t('app.retry')}
            </button>
          </>
        ) : (
          <p role="status">{t('app.loading')}</p>
        )}
      </main>
    );
  }

  const body = (() => {
    switch (screen) {
      case 'setup':
        return <SetupWizard state={state} />;
      case 'dashboard':
        return <Dashboard state={state} />;
      case 'snapshots':
        return <SnapshotsScreen state={state} />;
      case 'restore':
        return <RestoreWizard state={state} />;
      case 'plans':
        return <PlansScreen state={state} />;
      case 'settings':
        return <SettingsScreen state={state} />;
      case 'logs':
        return <LogsScreen state={state} />;
    }
  })();
  return <Layout setupOnly={unconfigured}>{body}</Layout>;
}
