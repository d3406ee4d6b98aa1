import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api/client.js';

/** Copies text through main's clipboard (works in the sandboxed file:// page without permissions). */
export function CopyButton({ text, label }: { text: string; label?: string }) {
  const { t } = useTranslation();
  const [done, setDone] = useState(false);
  return (
    <>
      <button
        type="button"
        onClick={async () => {
          const r = await api().copyText({ text });
          setDone(r.ok);
        }}
      >
        {label ?? t('common.copy')}
      </button>
      <span role="status">{done ? t('common.copied') : ''}</span>
    </>
  );
}
