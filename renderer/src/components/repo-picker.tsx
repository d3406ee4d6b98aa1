import { useTranslation } from 'react-i18next';

/** Chooses one of several repositories by name; nothing to choose (fewer than two) renders nothing. */
export function RepoPicker({
  names,
  value,
  onChange,
  id,
}: {
  names: readonly string[];
  value: string;
  onChange: (v: string) => void;
  id: string;
}) {
  const { t } = useTranslation();
  if (names.length < 2) return null;
  return (
    <p>
      <label htmlFor={id}>{t('snapshots.repo')}</label>{' '}
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
        {names.map((n) => (
          <option key={n} value={n}>
            {n}
          </option>
        ))}
      </select>
    </p>
  );
}
