import { useTranslation } from 'react-i18next';
import type { HostKey } from '../../../contract/setup.js';

/**
 * The scanned host keys of a Pi and the button that confirms them: `onConfirm` gets the fingerprint to pin
 * (the ed25519 key's when offered, the first otherwise). Used for the onsite Pi (setup wizard) and the offsite Pi.
 */
export function HostKeyConfirm({
  intro,
  hostKeys,
  disabled,
  onConfirm,
}: {
  intro: string;
  hostKeys: HostKey[];
  disabled: boolean;
  onConfirm: (fingerprint: string) => void | Promise<void>;
}) {
  const { t } = useTranslation();
  return (
    <div className="fingerprints">
      <p>{intro}</p>
      <ul>
        {hostKeys.map((k) => (
          <li key={k.fingerprint}>
            <code>
              {k.type} {k.fingerprint}
            </code>
          </li>
        ))}
      </ul>
      <button
        type="button"
        disabled={disabled}
        onClick={async () => {
          const fp = hostKeys.find((k) => k.type === 'ssh-ed25519') ?? hostKeys[0];
          if (fp) await onConfirm(fp.fingerprint);
        }}
      >
        {t('setup.pi.confirm')}
      </button>
    </div>
  );
}
