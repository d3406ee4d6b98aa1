import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { AppState } from '../../../../contract/app-state.js';
import type { RepoTarget, Retention } from '../../../../contract/config.js';
import type {
  ConnectionReport,
  GeneratedKey,
  HostKey,
  PiProfile,
  RecoverySheet as Sheet,
} from '../../../../contract/setup.js';
import { api } from '../../api/client.js';
import { CopyButton } from '../../components/copy-button.js';
import { HostKeyConfirm } from '../../components/host-key-confirm.js';
import { ErrorNote } from '../../components/error-note.js';
import { formatBytes } from '../../i18n/format.js';
import { useLang } from '../../components/use-lang.js';
import { useEnvStore } from '../../stores/env-store.js';
import { useNavStore } from '../../stores/nav-store.js';
import { DEFAULT_RETENTION, defaultExcludes, looksLikeCron, type SchedulePreset } from './defaults.js';
import { RecoverySheet } from './recovery-sheet.js';
import { RetentionFields } from './retention-fields.js';
import { ScheduleFields, scheduleValue } from './schedule-fields.js';
import { RadioGroup } from '../../components/radio-group.js';
import { useEngineCall } from '../../components/use-engine-call.js';
import { OffsiteForm } from '../offsite/offsite-form.js';

type Step = 'target' | 'pi' | 'repository' | 'password' | 'folders' | 'schedule' | 'retention' | 'done';

function Field({ id, label, children }: { id: string; label: string; children: (id: string) => ReactNode }) {
  return (
    <p className="field">
      <label htmlFor={id}>{label}</label> {children(id)}
    </p>
  );
}

/**
 * First-run setup: target (Pi or folder) → for a Pi: key, provisioning command, host key, connection test →
 * new or existing repository → password (typed or generated) and recovery sheet → folders → schedule →
 * retention with preview → done (with the optional offsite Pi for a Pi repository). Each step calls the engine
 * as it goes, so errors show where they happen.
 */
export function SetupWizard({ state }: { state: AppState }) {
  const { t } = useTranslation();
  const lang = useLang();
  const env = useEnvStore((s) => s.env);
  const go = useNavStore((s) => s.go);
  const [step, setStep] = useState<Step>('target');
  const { busy, error, run } = useEngineCall();

  const [kind, setKind] = useState<'pi' | 'local'>('pi');
  const [name, setName] = useState(
    state.config.repositories.length === 0 ? 'pi' : `pi${state.config.repositories.length + 1}`,
  );
  const [localPath, setLocalPath] = useState('');
  const [host, setHost] = useState('');
  const [port, setPort] = useState(22);
  const [user, setUser] = useState('restic');
  const [piPath, setPiPath] = useState('/srv/restic');
  const [profile, setProfile] = useState<PiProfile>('append-only');
  const [key, setKey] = useState<GeneratedKey>();
  const [hostKeys, setHostKeys] = useState<HostKey[]>();
  const [confirmed, setConfirmed] = useState(false);
  const [report, setReport] = useState<ConnectionReport>();
  const [mode, setMode] = useState<'new' | 'existing'>('new');
  const [pwKind, setPwKind] = useState<'generate' | 'typed'>('generate');
  const [pw, setPw] = useState('');
  const [pw2, setPw2] = useState('');
  const [sheet, setSheet] = useState<Sheet>();
  const [sheetStored, setSheetStored] = useState(false);
  const [planName, setPlanName] = useState('home');
  const [paths, setPaths] = useState<string[]>(() => (env ? [env.homeDir] : []));
  const [excludes, setExcludes] = useState(() => defaultExcludes(env?.platform ?? 'linux').join('\n'));
  const [preset, setPreset] = useState<SchedulePreset>('hourly');
  const [cron, setCron] = useState('0 * * * *');
  const [notOnBattery, setNotOnBattery] = useState(false);
  const [retention, setRetention] = useState<Retention>(DEFAULT_RETENTION);

  const steps: Step[] =
    kind === 'pi'
      ? ['target', 'pi', 'repository', 'password', 'folders', 'schedule', 'retention', 'done']
      : ['target', 'repository', 'password', 'folders', 'schedule', 'retention', 'done'];
  const index = steps.indexOf(step);
  // The repository as saved (after the password step), for the optional offsite Pi on the last step.
  const savedRepo = state.config.repositories.find((r) => r.name === name);
  const piRepo = savedRepo && savedRepo.target.kind !== 'local' ? savedRepo : undefined;

  const target = (): RepoTarget =>
    kind === 'local'
      ? { kind: 'local', path: localPath }
      : profile === 'append-only'
        ? {
            kind: 'append-only',
            path: '/',
            user,
            host,
            port,
            sshKey: key!.sshKey,
            knownHosts: key!.knownHosts,
          }
        : { kind: 'sftp', path: piPath, user, host, port, sshKey: key!.sshKey, knownHosts: key!.knownHosts };

  const test = async () => {
    const r = await run(() => api().testConnection({ target: target() }));
    if (r) {
      setReport(r.value);
      setMode(r.value.repository === 'exists' ? 'existing' : 'new');
    }
    return r;
  };

  const next = () => setStep(steps[index + 1]!);
  const back = () => setStep(steps[Math.max(0, index - 1)]!);
  const pwProblem =
    pwKind === 'typed'
      ? pw.length < 8
        ? t('setup.password.tooShort')
        : pw !== pw2
          ? t('setup.password.mismatch')
          : undefined
      : undefined;
  const scheduleOk = preset !== 'custom' || looksLikeCron(cron);

  return (
    <div className="setup">
      <h1>{t('setup.title')}</h1>
      <p>
        {t('setup.stepOf', { n: index + 1, total: steps.length })}:{' '}
        <strong>{t(`setup.steps.${step}`)}</strong>
      </p>
      {step === 'target' ? (
        <section aria-labelledby="s-target">
          <h2 id="s-target">{t('setup.target.question')}</h2>
          <RadioGroup
            legend={t('setup.target.question')}
            name="kind"
            value={kind}
            options={[
              { value: 'pi', label: t('setup.target.pi'), hint: t('setup.target.piHint') },
              { value: 'local', label: t('setup.target.local'), hint: t('setup.target.localHint') },
            ]}
            onChange={(k) => (setKind(k), setName(k === 'pi' ? 'pi' : 'usb'))}
          />
          <Field id="repo-name" label={t('setup.target.name')}>
            {(id) => <input id={id} value={name} onChange={(e) => setName(e.target.value)} />}
          </Field>
          {kind === 'local' ? (
            <Field id="local-path" label={t('setup.target.folder')}>
              {(id) => (
                <>
                  <input id={id} value={localPath} onChange={(e) => setLocalPath(e.target.value)} size={50} />{' '}
                  <button
                    type="button"
                    onClick={async () => {
                      const r = await api().chooseFolder({ title: t('setup.target.folder') });
                      if (r.ok && r.value.path) setLocalPath(r.value.path);
                    }}
                  >
                    {t('common.browse')}
                  </button>
                </>
              )}
            </Field>
          ) : null}
          <p>
            <button
              type="button"
              disabled={busy || !name || (kind === 'local' && !localPath)}
              onClick={async () => {
                if (kind === 'local' && !(await test())) return;
                next();
              }}
            >
              {t('common.next')}
            </button>
          </p>
        </section>
      ) : null}

      {step === 'pi' ? (
        <section aria-labelledby="s-pi">
          <h2 id="s-pi">{t('setup.steps.pi')}</h2>
          <Field id="pi-host" label={t('setup.pi.host')}>
            {(id) => (
              <input id={id} value={host} onChange={(e) => setHost(e.target.value)} autoComplete="off" />
            )}
          </Field>
          <Field id="pi-port" label={t('setup.pi.port')}>
            {(id) => (
              <input
                id={id}
                type="number"
                min={1}
                max={65535}
                value={port}
                onChange={(e) => setPort(Number(e.target.value))}
              />
            )}
          </Field>
          <Field id="pi-user" label={t('setup.pi.user')}>
            {(id) => (
              <input id={id} value={user} onChange={(e) => setUser(e.target.value)} autoComplete="off" />
            )}
          </Field>
          <Field id="pi-path" label={t('setup.pi.path')}>
            {(id) => <input id={id} value={piPath} onChange={(e) => setPiPath(e.target.value)} />}
          </Field>
          <RadioGroup
            legend={t('setup.pi.profile')}
            name="profile"
            value={profile}
            options={[
              { value: 'append-only', label: t('setup.pi.appendOnly') },
              { value: 'sftp', label: t('setup.pi.sftp') },
            ]}
            onChange={setProfile}
          />
          <button
            type="button"
            disabled={busy || !host || !user || !piPath}
            onClick={async () => {
              const k = await run(() =>
                api().generateKey({ repo: name, host, port, user, path: piPath, profile }),
              );
              if (k) {
                setKey(k.value);
                setHostKeys(undefined);
                setConfirmed(false);
                setReport(undefined);
              }
            }}
          >
            {t('setup.pi.generateKey')}
          </button>
          {key ? (
            <div className="provision">
              <p>{t('setup.pi.keyIntro')}</p>
              <pre data-testid="provision-command">{key.provisionCommand}</pre>
              <CopyButton text={key.provisionCommand} />
              {key.pairingLine ? (
                <>
                  <p>{t('setup.pi.pairingIntro')}</p>
                  <pre data-testid="pairing-line">{key.pairingLine}</pre>
                  <CopyButton text={key.pairingLine} label={t('setup.pi.copyLine')} />
                </>
              ) : null}
              <details>
                <summary>{t('setup.pi.publicKey')}</summary>
                <pre>{key.publicKey}</pre>
              </details>
              <p>
                <button
                  type="button"
                  disabled={busy}
                  onClick={async () => {
                    const keys = await run(() => api().scanHostKey({ host, port }));
                    if (keys) setHostKeys(keys.value);
                  }}
                >
                  {t('setup.pi.scan')}
                </button>
              </p>
            </div>
          ) : null}
          {hostKeys ? (
            <HostKeyConfirm
              intro={t('setup.pi.fingerprintIntro')}
              hostKeys={hostKeys}
              disabled={busy || confirmed}
              onConfirm={async (fingerprint) => {
                const ok = await run(() => api().confirmHostKey({ repo: name, host, port, fingerprint }));
                if (ok) {
                  setConfirmed(true);
                  await test();
                }
              }}
            />
          ) : null}
          {confirmed ? (
            <p>
              <button type="button" disabled={busy} onClick={() => void test()}>
                {t('setup.pi.test')}
              </button>
            </p>
          ) : null}
          {report ? (
            <div role="status">
              <p>
                {report.uploadBytesPerSecond === undefined && report.downloadBytesPerSecond === undefined
                  ? // Append-only targets take no test data: only the login and the repository were checked.
                    t('setup.pi.testOkNoSpeed', { latency: Math.round(report.latencyMs) })
                  : t('setup.pi.testOk', {
                      latency: Math.round(report.latencyMs),
                      up: formatBytes(report.uploadBytesPerSecond, lang) || t('common.unknown'),
                      down: formatBytes(report.downloadBytesPerSecond, lang) || t('common.unknown'),
                    })}
              </p>
              <p>{t(`setup.pi.repoState.${report.repository}`)}</p>
            </div>
          ) : null}
          <p>
            <button type="button" onClick={back}>
              {t('common.back')}
            </button>{' '}
            <button type="button" disabled={!report || busy} onClick={next}>
              {t('common.next')}
            </button>
          </p>
        </section>
      ) : null}

      {step === 'repository' ? (
        <section aria-labelledby="s-repo">
          <h2 id="s-repo">{t('setup.repository.question')}</h2>
          {report ? <p>{t(`setup.pi.repoState.${report.repository}`)}</p> : null}
          <RadioGroup
            legend={t('setup.repository.question')}
            name="mode"
            value={mode}
            options={[
              { value: 'new', label: t('setup.repository.new') },
              { value: 'existing', label: t('setup.repository.existing') },
            ]}
            onChange={(m) => (setMode(m), m === 'existing' ? setPwKind('typed') : undefined)}
          />
          <p>
            <button type="button" onClick={back}>
              {t('common.back')}
            </button>{' '}
            <button type="button" onClick={next}>
              {t('common.next')}
            </button>
          </p>
        </section>
      ) : null}

      {step === 'password' ? (
        <section aria-labelledby="s-pw">
          <h2 id="s-pw">{t('setup.steps.password')}</h2>
          <p>{t('setup.password.question')}</p>
          {!sheet ? (
            <>
              {mode === 'new' ? (
                <RadioGroup
                  legend={t('setup.password.choose')}
                  name="pwkind"
                  value={pwKind}
                  options={[
                    { value: 'generate', label: t('setup.password.generate') },
                    { value: 'typed', label: t('setup.password.typed') },
                  ]}
                  onChange={setPwKind}
                />
              ) : null}
              {pwKind === 'typed' ? (
                <>
                  <Field id="pw1" label={t('setup.password.label')}>
                    {(id) => (
                      <input
                        id={id}
                        type="password"
                        autoComplete="new-password"
                        value={pw}
                        onChange={(e) => setPw(e.target.value)}
                      />
                    )}
                  </Field>
                  {mode === 'new' ? (
                    <Field id="pw2" label={t('setup.password.confirm')}>
                      {(id) => (
                        <input
                          id={id}
                          type="password"
                          autoComplete="new-password"
                          value={pw2}
                          onChange={(e) => setPw2(e.target.value)}
                        />
                      )}
                    </Field>
                  ) : null}
                  {pw &&
                  (mode === 'new' ? pwProblem : pw.length < 8 ? t('setup.password.tooShort') : undefined) ? (
                    <p className="hint">{mode === 'new' ? pwProblem : t('setup.password.tooShort')}</p>
                  ) : null}
                </>
              ) : null}
              <p>
                <button type="button" onClick={back}>
                  {t('common.back')}
                </button>{' '}
                <button
                  type="button"
                  disabled={busy || (pwKind === 'typed' && (mode === 'new' ? !!pwProblem : pw.length < 8))}
                  onClick={async () => {
                    const s = await run(() =>
                      api().createRepository({
                        repository: { name, target: target() },
                        mode,
                        password: pwKind === 'typed' ? { kind: 'typed', value: pw } : { kind: 'generate' },
                      }),
                    );
                    // The typed password has gone to the keychain: drop our copy.
                    setPw('');
                    setPw2('');
                    if (s) setSheet(s.value);
                  }}
                >
                  {mode === 'new' ? t('setup.password.create') : t('setup.password.open')}
                </button>
              </p>
            </>
          ) : (
            <>
              <RecoverySheet sheet={sheet} />
              <p>
                <label>
                  <input
                    type="checkbox"
                    checked={sheetStored}
                    onChange={(e) => setSheetStored(e.target.checked)}
                  />{' '}
                  {t('setup.recovery.stored')}
                </label>
              </p>
              <button
                type="button"
                disabled={!sheetStored}
                onClick={() => {
                  // Forget the generated password once the user has it on paper.
                  const { generatedPassword: _forgotten, ...rest } = sheet;
                  setSheet(rest);
                  next();
                }}
              >
                {t('common.next')}
              </button>
            </>
          )}
        </section>
      ) : null}

      {step === 'folders' ? (
        <section aria-labelledby="s-folders">
          <h2 id="s-folders">{t('setup.folders.question')}</h2>
          <Field id="plan-name" label={t('setup.folders.planName')}>
            {(id) => <input id={id} value={planName} onChange={(e) => setPlanName(e.target.value)} />}
          </Field>
          <ul className="paths">
            {paths.map((p) => (
              <li key={p}>
                <code>{p}</code>{' '}
                <button
                  type="button"
                  onClick={() => setPaths(paths.filter((x) => x !== p))}
                  aria-label={t('setup.folders.remove', { path: p })}
                >
                  ✕
                </button>
              </li>
            ))}
          </ul>
          {paths.length === 0 ? <p>{t('setup.folders.none')}</p> : null}
          <button
            type="button"
            onClick={async () => {
              const r = await api().chooseFolder({
                title: t('setup.folders.add'),
                ...(env ? { defaultPath: env.homeDir } : {}),
              });
              if (r.ok && r.value.path && !paths.includes(r.value.path)) setPaths([...paths, r.value.path]);
            }}
          >
            {t('setup.folders.add')}
          </button>
          <p className="field">
            <label htmlFor="excludes">{t('setup.folders.excludes')}</label>
            <br />
            <textarea
              id="excludes"
              rows={6}
              cols={50}
              value={excludes}
              onChange={(e) => setExcludes(e.target.value)}
              aria-describedby="excludes-hint"
            />
            <br />
            <span id="excludes-hint" className="hint">
              {t('setup.folders.excludesHint')}
            </span>
          </p>
          <p>
            <button type="button" onClick={back}>
              {t('common.back')}
            </button>{' '}
            <button type="button" disabled={paths.length === 0 || !planName} onClick={next}>
              {t('common.next')}
            </button>
          </p>
        </section>
      ) : null}

      {step === 'schedule' ? (
        <section aria-labelledby="s-schedule">
          <h2 id="s-schedule">{t('setup.steps.schedule')}</h2>
          <ScheduleFields
            preset={preset}
            cron={cron}
            onChange={(p, c) => (setPreset(p), setCron(c))}
            idPrefix="setup"
          />
          <p>
            <label>
              <input
                type="checkbox"
                checked={notOnBattery}
                onChange={(e) => setNotOnBattery(e.target.checked)}
              />{' '}
              {t('setup.schedule.notOnBattery')}
            </label>
          </p>
          <p>
            <button type="button" onClick={back}>
              {t('common.back')}
            </button>{' '}
            <button type="button" disabled={!scheduleOk} onClick={next}>
              {t('common.next')}
            </button>
          </p>
        </section>
      ) : null}

      {step === 'retention' ? (
        <section aria-labelledby="s-retention">
          <h2 id="s-retention">{t('setup.steps.retention')}</h2>
          <RetentionFields
            repo={name}
            value={retention}
            onChange={setRetention}
            idPrefix="setup-ret"
            appendOnly={kind === 'pi' && profile === 'append-only'}
          />
          <p>
            <button type="button" onClick={back}>
              {t('common.back')}
            </button>{' '}
            <button
              type="button"
              disabled={busy}
              onClick={async () => {
                const schedule = scheduleValue(preset, cron);
                const saved = await run(() =>
                  api().savePlan({
                    plan: {
                      name: planName,
                      repo: name,
                      paths,
                      excludes: excludes
                        .split('\n')
                        .map((l) => l.trim())
                        .filter(Boolean),
                      ...(schedule ? { schedule } : {}),
                      retention,
                      // The workstation never forgets on an append-only target: the Pi does it.
                      prune: !(kind === 'pi' && profile === 'append-only'),
                      conditions: { notOnBattery },
                    },
                  }),
                );
                if (saved) next();
              }}
            >
              {t('setup.retention.finish')}
            </button>
          </p>
        </section>
      ) : null}

      {step === 'done' ? (
        <section aria-labelledby="s-done">
          <h2 id="s-done">{t('setup.done.title')}</h2>
          <p>{t('setup.done.body')}</p>
          <button
            type="button"
            onClick={async () => {
              const r = await run(() => api().backupNow({ plan: planName }));
              if (r) go('dashboard');
            }}
          >
            {t('setup.done.backupNow')}
          </button>{' '}
          <button type="button" onClick={() => go('dashboard')}>
            {t('setup.done.toDashboard')}
          </button>
          {piRepo ? (
            <section aria-labelledby="s-offsite">
              <h3 id="s-offsite">{t('offsite.title')}</h3>
              <p>{t('offsite.intro')}</p>
              <OffsiteForm repo={piRepo} idPrefix="setup-offsite" />
            </section>
          ) : null}
        </section>
      ) : null}
      {busy ? <p role="status">{t('common.working')}</p> : null}
      <ErrorNote error={error} />
    </div>
  );
}
