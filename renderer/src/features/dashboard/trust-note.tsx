import { useTranslation } from 'react-i18next';
import type { ChainStatus } from '../../../../contract/app-state.js';

/**
 * The warning for a repository whose offsite status is read without a pinned key (a setup from before signed
 * statuses), with the one step that fixes it. Nothing otherwise: a rejected status speaks through the verdict.
 */
export function TrustNote({ chain }: { chain: ChainStatus }) {
  const { t } = useTranslation();
  if (chain.offsite.trust?.state !== 'not-pinned') return null;
  return (
    <p className="trust-note warning" role="note">
      {t('dashboard.trust.notPinned', { repo: chain.repo })}
    </p>
  );
}
