import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Screen } from '../../../contract/ipc.js';
import { useNavStore } from '../stores/nav-store.js';

const SCREENS: Screen[] = ['dashboard', 'snapshots', 'restore', 'plans', 'settings', 'logs'];

/** Side navigation and the main region; the nav is a list of buttons so Tab and Enter reach everything. */
export function Layout({ children, setupOnly }: { children: ReactNode; setupOnly: boolean }) {
  const { t } = useTranslation();
  const screen = useNavStore((s) => s.screen);
  const go = useNavStore((s) => s.go);
  return (
    <div className="layout">
      <nav aria-label={t('nav.label')}>
        <p className="brand">{t('app.name')}</p>
        <ul>
          {(setupOnly ? (['setup'] as Screen[]) : SCREENS).map((s) => (
            <li key={s}>
              <button type="button" aria-current={screen === s ? 'page' : undefined} onClick={() => go(s)}>
                {t(`nav.${s}`)}
              </button>
            </li>
          ))}
        </ul>
      </nav>
      <main>{children}</main>
    </div>
  );
}
