import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';

/** The current UI language (for Intl formatting). */
export function useLang(): string {
  const { i18n } = useTranslation();
  return i18n.language;
}

/** The current time, refreshed every `ms` so ages ("3 hours ago") stay right. */
export function useNow(ms = 30_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(id);
  }, [ms]);
  return now;
}
