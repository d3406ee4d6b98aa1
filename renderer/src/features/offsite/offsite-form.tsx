import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Repository } from '../../../../contract/config.js';
import type { HostKey, OffsiteCommand, OffsiteSetupReport } from '../../../../contract/setup.js';
import { api } from '../../api/client.js';
import { CopyButton } from '../../components/copy-button.js';
import { HostKeyConfirm } from '../../components/host-key-confirm.js';
import { ErrorNote } from '../../components/error-note.js';
import { useEngineCall } from '../../components/use-engine-call.js';

const DEFAULT_STATUS_USER = 'restray-status';
const DEFAULT_RESTORE_USER = 'restray-restore';
const DEFAULT_STORE = '/srv/restray-offsite';

/**
 * Connects a Pi repository to its offsite Pi: the onsite Pi's status account (so the app can say "safe") and,
 * optionally, read-only restore access on the offsite Pi: the `restray-pi provision offsite --restore-key …`
 * command, the offsite host key's fingerprint to confirm, then a test that saves only when it passes. Used by
 * the setup wizard's last step and by Settings.
 */
export function OffsiteForm({ repo, idPrefix }: { repo: Repository; idPrefix: string }) {
  const { t } = useTranslation();
  const [statusOn, setStatusOn] = useState(repo.offsiteStatusUser !== undefined || !repo.offsite);
  const [statusUser, setStatusUser] = useState(repo.offsiteStatusUser ?? DEFAULT_STATUS_USER);
  const [statusKey, setStatusKey] = useState(repo.offsiteStatusKey ?? '');
  const [restoreOn, setRestoreOn] = useState(repo.offsite !== undefined);
  const [host, setHost] = useState(repo.offsite?.host ?? '');
  const [port, setPort] = useState(repo.offsite?.port ?? 22);
  const [user, setUser] = useState(repo.offsite?.user ?? DEFAULT_RESTORE_USER);
  const [path, setPath] = useState(repo.offsite?.path ?? DEFAULT_STORE);
  const [command, setCommand] = useState<OffsiteCommand>();
  const [hostKeys, setHostKeys] = useState<HostKey[]>();
  // A saved access already has its host key pinned, as long as the host stays the same.
  const pinned = repo.offsite !== undefined && repo.offsite.host === host && repo.offsite.port === port;
  const [confirmed, setConfirmed] = useState(false);
  const [report, setReport] = useState<OffsiteSetupReport>();
  const { busy, error, run } = useEngineCall();
  const id = (s: string) => `${idPrefix}-${s}`;

  const endpointChanged = () => {
    setCommand(undefined);
    setHostKeys(undefined);
    setConfirmed(false);
  };
  const canSave = !busy && (!restoreOn || (host !== '' && (pinned || confirmed)));

  return (
    <div className="offsite-form">
      <p>
        <label>
          <input type="checkbox" checked={statusOn} onChange={(e) => setStatusOn(e.target.checked)} />{' '}
          {t('offsite.statusOn')}
        </label>
      </p>
      {statusOn ? (
        <p className="field">
          <label htmlFor={id('status-user')}>{t('offsite.statusUser')}</label>{' '}
          <input id={id('status-user')} value={statusUser} onChange={(e) => setStatusUser(e.target.value)} />
        </p>
      ) : null}
      {statusOn ? (
        <p className="field">
          <label htmlFor={id('status-key')}>{t('offsite.statusKey')}</label>{' '}
          <input
            id={id('status-key')}
            value={statusKey}
            placeholder="restray-pair:1:offsite:… / SHA256:…"
            autoComplete="off"
            spellCheck={false}
            onChange={(e) => setStatusKey(e.target.value)}
          />
        </p>
      ) : null}
      <p>
        <label>
          <input type="checkbox" checked={restoreOn} onChange={(e) => setRestoreOn(e.target.checked)} />{' '}
          {t('offsite.restoreOn')}
        </label>
      </p>
      {restoreOn ? (
        <fieldset>
          <legend>{t('offsite.restoreAccess')}</legend>
          <p className="field">
            <label htmlFor={id('host')}>{t('offsite.host')}</label>{' '}
            <input
              id={id('host')}
              value={host}
              autoComplete="off"
              onChange={(e) => (setHost(e.target.value), endpointChanged())}
            />
          </p>
          <p className="field">
            <label htmlFor={id('port')}>{t('setup.pi.port')}</label>{' '}
            <input
              id={id('port')}
              type="number"
              min={1}
              max={65535}
              value={port}
              onChange={(e) => (setPort(Number(e.target.value)), endpointChanged())}
            />
          </p>
          <p className="field">
            <label htmlFor={id('user')}>{t('offsite.user')}</label>{' '}
            <input
              id={id('user')}
              value={user}
              autoComplete="off"
              onChange={(e) => (setUser(e.target.value), setCommand(undefined))}
            />
          </p>
          <p className="field">
            <label htmlFor={id('path')}>{t('offsite.path')}</label>{' '}
            <input
              id={id('path')}
              value={path}
              onChange={(e) => (setPath(e.target.value), setCommand(undefined))}
            />
          </p>
          <p>
            <button
              type="button"
              disabled={busy || !host || !user || !path}
              onClick={async () => {
                const c = await run(() => api().offsiteCommand({ repo: repo.name, user, path }));
                if (c) setCommand(c.value);
              }}
            >
              {t('offsite.showCommand')}
            </button>
          </p>
          {command ? (
            <div className="provision">
              <p>{t('offsite.commandIntro')}</p>
              <pre data-testid="offsite-command">{command.provisionCommand}</pre>
              <CopyButton text={command.provisionCommand} />
              <p>
                <button
                  type="button"
                  disabled={busy}
                  onClick={async () => {
                    const keys = await run(() => api().scanHostKey({ host, port }));
                    if (!keys) return;
                    setHostKeys(keys.value);
                    setConfirmed(false);
                  }}
                >
                  {t('offsite.scan')}
                </button>
              </p>
            </div>
          ) : null}
          {hostKeys ? (
            <HostKeyConfirm
              intro={t('offsite.fingerprintIntro')}
              hostKeys={hostKeys}
              disabled={busy || confirmed}
              onConfirm={async (fingerprint) => {
                const ok = await run(() =>
                  api().confirmHostKey({ repo: repo.name, host, port, fingerprint, hop: 'offsite' }),
                );
                if (ok) setConfirmed(true);
              }}
            />
          ) : null}
        </fieldset>
      ) : null}
      <p>
        <button
          type="button"
          disabled={!canSave}
          onClick={async () => {
            setReport(undefined);
            const r = await run(() =>
              api().saveOffsite({
                repo: repo.name,
                statusUser: statusOn ? statusUser : null,
                access: restoreOn ? { host, port, user, path } : null,
                // Emptied: the pin is removed; never given: nothing to send.
                ...(statusOn && statusKey.trim() !== ''
                  ? { statusKey: statusKey.trim() }
                  : repo.offsiteStatusKey
                    ? { statusKey: null }
                    : {}),
              }),
            );
            if (r) setReport(r.value);
          }}
        >
          {t('offsite.save')}
        </button>
      </p>
      {report ? (
        <div role="status">
          <p>
            {restoreOn
              ? t('offsite.savedWithRestore', { count: report.generations })
              : statusOn
                ? t('offsite.savedStatus')
                : t('offsite.savedOff')}
          </p>
          {report.notes.map((n) => (
            <p key={n}>{t(`offsite.notes.${n}`)}</p>
          ))}
        </div>
      ) : null}
      {busy ? <p role="status">{t('common.working')}</p> : null}
      <ErrorNote error={error} />
    </div>
  );
}
