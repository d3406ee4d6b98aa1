import { useTranslation } from 'react-i18next';
import type { RecoverySheet as Sheet } from '../../../../contract/setup.js';
import { api } from '../../api/client.js';
import { useLang } from '../../components/use-lang.js';
import { formatDateTime } from '../../i18n/format.js';

/**
 * The printable recovery sheet. A generated password shows here once (it came back from createRepository and
 * lives only in this component's state); a typed one is never shown: the sheet leaves a line to write it.
 */
export function RecoverySheet({ sheet }: { sheet: Sheet }) {
  const { t } = useTranslation();
  const lang = useLang();
  return (
    <section className="recovery-sheet" aria-labelledby="recovery-title">
      <h2 id="recovery-title">{t('setup.recovery.title')}</h2>
      <p>{t('setup.recovery.intro')}</p>
      <dl>
        <dt>{t('setup.recovery.repo')}</dt>
        <dd>{sheet.repo}</dd>
        <dt>{t('setup.recovery.location')}</dt>
        <dd>
          <code>{sheet.location}</code>
        </dd>
        <dt>{t('setup.recovery.created')}</dt>
        <dd>{formatDateTime(sheet.createdAt, lang)}</dd>
        <dt>{t('setup.recovery.password')}</dt>
        <dd>
          {sheet.generatedPassword ? (
            <code className="password">{sheet.generatedPassword}</code>
          ) : (
            t('setup.recovery.passwordBlank')
          )}
        </dd>
      </dl>
      <p>{t('setup.recovery.howTo')}</p>
      <pre>{sheet.commands.join('\n')}</pre>
      <p className="no-print">
        <button
          type="button"
          className="link"
          onClick={() => void api().openHelp({ link: 'restic-restore' })}
        >
          {t('setup.recovery.docs')}
        </button>
      </p>
      <button type="button" className="no-print" onClick={() => window.print()}>
        {t('common.print')}
      </button>
    </section>
  );
}
