import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { encodePairingLine, type OnsitePairing } from '../../../contract/pairing-line.js';
import { OFFSITE_ACCOUNT } from '../accounts.js';
import { parseConfig, type PiConfig } from '../config.js';
import { EXIT, PiError } from '../errors.js';
import { writeFileAtomic } from '../fs-util.js';
import { planOwnership } from '../pairing/account-files.js';
import { knownHostsLine, scanHostKeys, sshFingerprint } from '../pairing/host-key.js';
import { keyPaths, pairDir, planOffsiteKeys, readOffsiteKeys } from '../pairing/offsite-keys.js';
import { offsiteTimers } from '../pairing/service-manager.js';
import { syncAsAccount } from '../pairing/sync-as-account.js';
import { readLine, setupLang, texts, type Lang } from '../pairing/texts.js';
import { listGenerations, offsitePaths } from '../offsite/store.js';
import { signingKeyPath } from '../offsite/status-signing.js';
import { planOffsiteStore, type Change } from '../provision.js';
import type { CommandIo } from './common.js';
import { printAndApply, type SetupDeps } from './setup-common.js';

export const setupOffsiteHelp = `sudo restray-pi setup offsite [--keys SET] [--dry-run]
sudo restray-pi setup offsite --onsite LINE [--offsite-user NAME] [--dry-run]

Step 1 of the pairing, on the offsite Pi: makes its pull, status and status-signing keys (once; in
/etc/restray-pi/pair/SET/, mode 0700) and prints one line to paste on the onsite Pi. A second repository on
the same onsite Pi needs its own key set: --keys NAME (default main).
Step 3: with the onsite Pi's line, shows its host key fingerprint to compare, checks that the onsite Pi
answers with that key, pins it, writes /etc/restray-pi/NAME.json, enables restray-pi-sync@NAME.timer (and
the pull and reverify timers) and runs the first sync as the run account. The store (as provision offsite
--root makes it), the pull and status keys, known_hosts and the configuration are given to that account.
  --name NAME           this Pi's name in the line (default: the host name)
  --config-dir DIR      default /etc/restray-pi (the units read /etc/restray-pi/NAME.json)
  --store-dir DIR       default /srv/restray-offsite (the store of NAME is DIR/NAME)
  --offsite-user NAME   the run account of the units (default restray-offsite)
  --no-sync             do not run the first sync (the timers run it)
  --dry-run             print the changes only
Exit: 0 done (or nothing to do), 1 failed (a bad or cut line: said why, nothing changed; or the first sync
failed), 2 usage, 3 the first sync was blocked by the guard.`;

/**
 * `setup offsite`: without --onsite, plans and makes the key set and prints the offsite line (again on a second
 * run, with nothing changed). With --onsite, see {@link pairWithOnsite}. Side effects: key files; with --onsite
 * also known_hosts, the configuration, the signing key in the store, the timers and a sync.
 */
export async function setupOffsiteCommand(argv: string[], io: CommandIo, deps: SetupDeps): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      onsite: { type: 'string' },
      keys: { type: 'string', default: 'main' },
      name: { type: 'string', default: deps.hostname },
      'config-dir': { type: 'string', default: '/etc/restray-pi' },
      'store-dir': { type: 'string', default: '/srv/restray-offsite' },
      'offsite-user': { type: 'string', default: OFFSITE_ACCOUNT },
      'no-sync': { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
    },
    strict: true,
  });
  const lang = setupLang(io.env);
  const t = texts(lang);
  for (const [flag, v] of [
    ['--config-dir', values['config-dir']],
    ['--store-dir', values['store-dir']],
  ] as const)
    if (!v.startsWith('/')) throw new PiError('invalid-argument', `${flag}: use an absolute path.`);
  if (values.onsite !== undefined) {
    const onsite = readLine(values.onsite, 'onsite', '--onsite', lang);
    return pairWithOnsite(onsite, values, io, deps, lang);
  }
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(values.keys))
    throw new PiError('invalid-argument', '--keys: 1-64 letters, digits, dot, dash or underscore.');
  const dir = pairDir(values['config-dir'], values.keys);
  const code = await printAndApply(planOffsiteKeys(dir, values.name), values['dry-run'], io, lang);
  if (values['dry-run']) {
    if (!existsSync(keyPaths(dir).signing)) io.out(t.noLineYet);
    else printOffsiteLine(dir, values.name, values.keys, io, lang);
    return code;
  }
  printOffsiteLine(dir, values.name, values.keys, io, lang);
  return code;
}

function printOffsiteLine(dir: string, name: string, set: string, io: CommandIo, lang: Lang): void {
  const t = texts(lang);
  const keys = readOffsiteKeys(dir, name, set, t.noKeys(dir));
  io.out(
    `\n${t.lineFollows(t.onsitePi, "sudo restray-pi setup onsite --workstation '…' --offsite '…'")}\n\n${encodePairingLine('offsite', keys)}\n`,
  );
  io.out(t.signing(keys.signingKey));
}

/**
 * Step 3. Checks before it changes anything: the line's fingerprint matches its key, the key set exists, the
 * store holds no other signing key, and the onsite Pi answers at host:port with exactly that host key
 * (ssh-keyscan); any failure throws PiError with nothing changed. Then prints and applies: the store for the run
 * account `--offsite-user` ({@link planOffsiteStore}, which creates the account when missing), known_hosts
 * (`<config dir>/NAME.known_hosts`), the signing key copied into the store, the configuration (merged into an
 * existing one: other sections and fields are kept), each given to the run account with the pull and status
 * keys (their folders 0711), the timers; then the first sync as the run account ({@link syncAsAccount}) while
 * the store has no generation yet (its exit status is returned). A second run plans nothing.
 */
async function pairWithOnsite(
  onsite: OnsitePairing,
  values: {
    keys: string;
    'config-dir': string;
    'store-dir': string;
    'offsite-user': string;
    'no-sync': boolean;
    'dry-run': boolean;
  },
  io: CommandIo,
  deps: SetupDeps,
  lang: Lang,
): Promise<number> {
  const t = texts(lang);
  const { name, host, port } = onsite;
  if (sshFingerprint(onsite.hostKey) !== onsite.hostKeyFingerprint)
    throw new PiError('invalid-argument', `--onsite: ${t.hostKeyFingerprintMismatch}`);
  const dir = pairDir(values['config-dir'], onsite.keys);
  const keys = keyPaths(dir);
  if (![keys.pull, keys.status, keys.signing].every((f) => existsSync(f)))
    throw new PiError('not-found', t.noKeys(dir));
  io.out(t.compareHost(onsite.hostKeyFingerprint, host, port));

  const root = join(values['store-dir'], name);
  const storeKey = signingKeyPath(root);
  if (existsSync(storeKey) && digest(storeKey) !== digest(keys.signing))
    throw new PiError('invalid-config', t.signingDiffers(storeKey), { hint: t.signingDiffersHint });
  const presented = await scanHostKeys(host, port, onsite.hostKey.split(' ')[0]!);
  if (presented.length === 0)
    throw new PiError('network', t.hostUnreachable(host, port), { hint: t.hostUnreachableHint });
  const want = onsite.hostKey.split(' ').slice(0, 2).join(' ');
  if (!presented.includes(want))
    throw new PiError('invalid-argument', t.hostKeyOther(host, port, sshFingerprint(presented[0]!)), {
      hint: t.hostKeyHint,
    });

  const account = values['offsite-user'];
  // The store as `provision offsite --root` makes it (the account too, when missing): printed first.
  const changes: Change[] = [...(await planOffsiteStore({ root, offsiteUser: account, lang }))];
  const knownHosts = join(values['config-dir'], `${name}.known_hosts`);
  const khText = `${knownHostsLine(host, port, onsite.hostKey)}\n`;
  const khWrite = !existsSync(knownHosts) || readFileSync(knownHosts, 'utf8') !== khText;
  if (khWrite)
    changes.push({
      describe: `pin the onsite host key ${onsite.hostKeyFingerprint} in ${knownHosts}`,
      apply: () => Promise.resolve(writeFileAtomic(knownHosts, khText, 0o644)),
    });
  changes.push(
    ...(await planOwnership({
      path: knownHosts,
      rewritten: khWrite,
      account,
      mode: 0o644,
      what: 'the pinned host key',
    })),
  );
  if (!existsSync(storeKey))
    changes.push({
      describe: `copy the status signing key to ${storeKey} (mode 0600)`,
      apply: () => Promise.resolve(copyFileSync(keys.signing, storeKey)),
    });
  changes.push(
    ...(await planOwnership({ path: storeKey, account, mode: 0o600, what: 'the status signing key' })),
  );
  // The run account reads the pull and status keys: their folders let it pass (0711), the keys are its own.
  for (const d of [dirname(dir), dir]) {
    const mode = statSync(d).mode & 0o7777;
    if ((mode | 0o011) !== mode)
      changes.push({
        describe: `let ${account} pass through ${d} (mode ${(mode | 0o011).toString(8).padStart(4, '0')}, no listing)`,
        apply: () => Promise.resolve(chmodSync(d, mode | 0o011)),
      });
  }
  for (const [path, what] of [
    [keys.pull, 'the pull key'],
    [keys.status, 'the status key'],
  ] as const)
    changes.push(...(await planOwnership({ path, account, mode: 0o600, what })));
  const configPath = join(values['config-dir'], `${name}.json`);
  const { text, config } = configText(configPath, onsite, {
    root,
    knownHosts,
    keys,
    configDir: values['config-dir'],
  });
  const configWrite = !existsSync(configPath) || readFileSync(configPath, 'utf8') !== text;
  if (configWrite)
    changes.push({
      describe: `${existsSync(configPath) ? 'update' : 'write'} ${configPath} (pull from ${onsite.pullUser}@${host}:${port} ${onsite.repo}, publish to ${onsite.statusUser}, store ${root})`,
      apply: () => Promise.resolve(writeFileAtomic(configPath, text, 0o640)),
    });
  changes.push(
    ...(await planOwnership({
      path: configPath,
      rewritten: configWrite,
      account,
      mode: 0o640,
      groupOnly: true,
      what: 'the configuration',
    })),
  );
  for (const unit of offsiteTimers(name))
    if (!(await deps.services.isEnabled(unit)))
      changes.push({
        describe: `systemctl enable --now ${unit}`,
        apply: () => deps.services.enableNow(unit),
      });
  let synced: number | undefined;
  if (!values['no-sync'] && listGenerations(offsitePaths(config.offsite!.root)).length === 0)
    changes.push({
      describe: t.firstSyncChange,
      apply: async () => {
        io.out(t.firstSync);
        synced = await syncAsAccount(
          configPath,
          account,
          deps.self ?? [process.execPath, process.argv[1]!],
          io,
        );
      },
    });
  const code = await printAndApply(changes, values['dry-run'], io, lang);
  if (synced === undefined) return code;
  const gens = listGenerations(offsitePaths(root));
  if (synced === EXIT.ok && gens.length > 0) io.out(t.synced(gens[gens.length - 1]!));
  else io.err(t.firstSyncFailed(synced));
  return synced;
}

function digest(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/**
 * The configuration for the paired repository: an existing file's other fields are kept (alerts, retention,
 * window …), the fields the pairing owns are set. Validated before it is written.
 */
function configText(
  path: string,
  onsite: OnsitePairing,
  o: { root: string; knownHosts: string; keys: { pull: string; status: string }; configDir: string },
): { text: string; config: PiConfig } {
  let raw: Record<string, unknown> = {};
  if (existsSync(path)) {
    try {
      raw = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    } catch (e) {
      throw new PiError('invalid-config', `${path} is not valid JSON: ${(e as Error).message}.`);
    }
  }
  const endpoint = (user: string, sshKey: string) => ({
    host: onsite.host,
    port: onsite.port,
    user,
    sshKey,
    knownHosts: o.knownHosts,
  });
  const offsite = (raw.offsite ?? {}) as Record<string, unknown>;
  const next = {
    version: 1,
    name: onsite.name,
    secretsFile: join(o.configDir, 'secrets.json'),
    ...raw,
    offsite: {
      ...offsite,
      root: o.root,
      mode: 'pull',
      source: endpoint(onsite.pullUser, o.keys.pull),
      publish: { ...(offsite.publish as object | undefined), ...endpoint(onsite.statusUser, o.keys.status) },
    },
  };
  return { text: `${JSON.stringify(next, null, 2)}\n`, config: parseConfig(next, path) };
}
