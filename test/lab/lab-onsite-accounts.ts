import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Repository } from '../../contract/config.js';
import { parseConfig, type PiConfig } from '../../pi/src/config.js';
import { main as restrayPi } from '../../pi/src/main.js';
import { generateKey } from './sshd.js';
import type { TwoPiLab } from '../pi/lab-two-pi.js';

/** One more workstation on the lab's onsite Pi. */
export interface ExtraWorkstation {
  /** The repository as this workstation's Restray config holds it (append-only target, offsite status). */
  repository: Repository;
  /** Private key of this workstation (its own, as each real machine has). */
  key: string;
}

/** A workstation with its own repository on the onsite Pi, and the offsite config that pulls it. */
export interface OwnRepository extends ExtraWorkstation {
  /** The repository folder on the onsite Pi (its own forced command points here). */
  repo: string;
  /** The offsite Pi's config for this repository (`restray-pi --config … sync`). */
  config: PiConfig;
  configPath: string;
}

/**
 * `restray-pi provision onsite` again on the running lab, with the lab's accounts, writing straight into the lab
 * sshd's AuthorizedKeysFile directory: provisioning merges (a line for the same key is replaced, others kept) and
 * sshd reads the files at each login, so the new keys work without a restart — as on a real Pi.
 */
let provisioning: Promise<unknown> = Promise.resolve();

async function provision(lab: TwoPiLab, args: string[]): Promise<void> {
  // One at a time, as an admin runs it: provisioning reads, merges and rewrites authorized_keys, so two runs at
  // once would lose each other's lines.
  const turn = provisioning.then(() => provisionNow(lab, args));
  provisioning = turn.catch(() => undefined);
  return turn;
}

/** The lab-only flags of `provision onsite`: its account names and the lab sshd's paths (defaults on a real Pi). */
function labFlags(lab: TwoPiLab): string[] {
  const { users } = lab.onsite;
  return [
    '--pull-user',
    users.pull,
    '--status-user',
    users.status,
    '--authorized-keys-dir',
    join(lab.onsite.sshd.dir, 'authorized_keys'),
    '--sshd-config-dir',
    join(lab.dir, 'sshd_config.d'),
  ];
}

async function provisionNow(lab: TwoPiLab, args: string[]): Promise<void> {
  let err = '';
  const code = await restrayPi(
    [
      'provision',
      'onsite',
      '--mode',
      'append-only',
      '--user',
      lab.onsite.users.workstation,
      ...labFlags(lab),
      ...args,
    ],
    { out: () => undefined, err: (t) => void (err += `${t}\n`), env: process.env },
  );
  if (code !== 0) throw new Error(`restray-pi provision onsite failed (${code}): ${err}`);
}

function appendOnlyRepository(lab: TwoPiLab, name: string, key: string): Repository {
  return {
    name,
    target: {
      kind: 'append-only',
      user: lab.onsite.users.workstation,
      host: '127.0.0.1',
      port: lab.onsite.sshd.port,
      path: '/',
      sshKey: key,
      knownHosts: lab.workstation.knownHosts,
    },
    offsiteStatusUser: lab.onsite.users.status,
  };
}

/**
 * Adds a workstation key to the lab's SHARED repository: `provision onsite --workstation-key` with the same
 * repository (the flag is repeatable on a real Pi). The key gets the same forced command
 * (`rclone serve restic --append-only <repo>`) and may read the same offsite status. The caller uses the lab's
 * repository password: a shared repository has one.
 */
export async function addSharedWorkstation(
  lab: TwoPiLab,
  name: string,
  repoName = 'pi',
): Promise<ExtraWorkstation> {
  const key = await generateKey(join(lab.dir, 'keys'), `workstation-${name}`);
  await provision(lab, [
    '--repo',
    lab.onsite.repo,
    '--status-dir',
    lab.onsite.statusDir,
    '--workstation-key',
    key.publicLine,
  ]);
  return { repository: appendOnlyRepository(lab, repoName, key.privatePath), key: key.privatePath };
}

/**
 * Gives a workstation its OWN repository on the lab's onsite Pi: a new repository folder and status folder,
 * provisioned with the same accounts but new keys (the workstation's, and the offsite Pi's pull and status keys
 * for this repository, each forced to this repository's folders), plus an offsite config of its own (the lab's,
 * with its own store and keys), as one `/etc/restray-pi/<name>.json` per repository on a real offsite Pi. The
 * repository is empty: the workstation creates it (`restray repo add --init`).
 */
export async function addOwnRepository(lab: TwoPiLab, name: string, repoName = 'pi'): Promise<OwnRepository> {
  const keys = join(lab.dir, 'keys');
  const ws = await generateKey(keys, `workstation-${name}`);
  const pull = await generateKey(keys, `offsite-pull-${name}`);
  const status = await generateKey(keys, `offsite-status-${name}`);
  const onsite = dirname(lab.onsite.repo);
  const repo = join(onsite, `repo-${name}`);
  const statusDir = join(onsite, `status-${name}`);
  await provision(lab, [
    '--repo',
    repo,
    '--status-dir',
    statusDir,
    '--workstation-key',
    ws.publicLine,
    '--pull-key',
    pull.publicLine,
    '--status-key',
    status.publicLine,
  ]);
  // The lab's offsite config as written to disk, re-pointed at this repository's store and keys.
  const raw = JSON.parse(readFileSync(lab.offsite.configPath, 'utf8')) as {
    name: string;
    offsite: { root: string; source: { sshKey: string }; publish: { sshKey: string } };
  };
  raw.name = name;
  raw.offsite.root = join(dirname(lab.offsite.root), `store-${name}`);
  raw.offsite.source.sshKey = pull.privatePath;
  raw.offsite.publish.sshKey = status.privatePath;
  mkdirSync(raw.offsite.root, { recursive: true, mode: 0o755 });
  const configPath = join(dirname(lab.offsite.configPath), `config-${name}.json`);
  writeFileSync(configPath, JSON.stringify(raw, null, 2));
  return {
    repository: appendOnlyRepository(lab, repoName, ws.privatePath),
    key: ws.privatePath,
    repo,
    config: parseConfig(raw, configPath),
    configPath,
  };
}

const root = fileURLToPath(new URL('../..', import.meta.url));
const shellWord = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Runs the `sudo restray-pi provision onsite …` command the setup wizard printed on the lab's onsite Pi, as the
 * administrator pastes it: through /bin/sh (the wizard's quoting is what the shell parses), with `restray-pi` on
 * PATH as the real CLI (pi/src/main.ts through tsx, in its own process). `sudo` is dropped (the lab runs as root,
 * and sudo's secure_path would hide the lab's restray-pi); the lab's status folder, account names and sshd paths
 * are appended (a real Pi uses the defaults). Returns what restray-pi printed; throws with its stderr on failure.
 */
export async function runPrintedProvisionCommand(lab: TwoPiLab, command: string): Promise<string> {
  const prefix = 'sudo restray-pi provision onsite ';
  if (!command.startsWith(prefix)) throw new Error(`not a provision onsite command: ${command}`);
  const bin = join(lab.dir, 'admin-bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(
    join(bin, 'restray-pi'),
    `#!/bin/sh\nexec ${shellWord(join(root, 'node_modules', '.bin', 'tsx'))} ${shellWord(join(root, 'pi', 'src', 'main.ts'))} "$@"\n`,
    { mode: 0o755 },
  );
  const extra = ['--status-dir', lab.onsite.statusDir, ...labFlags(lab)].map(shellWord).join(' ');
  const line = `${command.slice('sudo '.length)} ${extra}`;
  const turn = provisioning.then(() =>
    promisify(execFile)('/bin/sh', ['-c', line], {
      env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}` },
    }).catch((e: { stderr?: string; code?: number }) => {
      throw new Error(`${line}\nfailed (${e.code}): ${e.stderr ?? String(e)}`);
    }),
  );
  provisioning = turn.catch(() => undefined);
  return (await turn).stdout;
}
