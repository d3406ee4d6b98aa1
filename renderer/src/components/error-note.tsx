import { useTranslation } from 'react-i18next';
import type { ErrorInfo } from '../../../contract/errors.js';

/** An expected failure shown inline: a localized title for its kind, the engine's sentence, and the hint. */
export function ErrorNote({ error }: { error: ErrorInfo | undefined }) {
  const { t } = useTranslation();
  if (!error) return null;
  return (
    <div role="alert" className="error-note">
      <strong>{t(`errors.title.${error.kind}`)}</strong>
      <p>{error.message}</p>
      {error.hint ? <p className="hint">{error.hint}</p> : null}
    </div>
  );
}
