import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { workstationPairingLine } from '../../core/engine/pairing-lines.js';
import { resticRepoArgs } from '../../core/ssh/repo-args.js';
import { main } from '../../pi/src/main.js';
import type { ServiceManager } from '../../pi/src/pairing/service-manager.js';
import { generateKey, startSshd, type LabSshd } from '../lab/sshd.js';
import { listTree } from './lab-two-pi.js';

const run = promisify(execFile);

/** The restray-pi bundle (`node scripts/build-node.mjs`): the paired setup runs its first sync through it. */
export const BUNDLE = join(import.meta.dirname, '..', '..', 'dist', 'pi', 'restray-pi.mjs');

/** Files under `dir` whose owner is not `uid`: empty when the run account owns all. */
export function notOwnedBy(dir: string, uid: number): string[] {
  return listTree(dir).filter((f) => statSync(join(dir, f)).uid !== uid);
}

/** A service manager that records what setup enabled (tests never reach the host's systemctl). */
export interface RecordingServices extends ServiceManager {
  enabled: string[];
}

export function recordingServices(): RecordingServices {
  const enabled: string[] = [];
  return {
    enabled,
    isEnabled: (u) => Promise.resolve(enabled.includes(u)),
    enableNow: (u) => Promise.resolve(void enabled.push(u)),
  };
}

/** Output of one setup command run in-process. */
export interface SetupRun {
  code: number;
  out: string;
  err: string;
  /** The pairing line it printed, if any. */
  line: string | undefined;
}

/**
 * Two fresh "Pis" for the paired setup: nothing provisioned, no keys, no configuration. The onsite Pi's sshd
 * runs from the start (as on a real Pi) and admits the lab's account names (`rtpq<hex>w|p|s`, created by
 * `setup onsite` itself); authorized_keys go where that sshd reads them. The offsite Pi is a config folder and a
 * store folder. The workstation has its repository key and the line the app shows for it.
 */
export interface PairingLab {
  dir: string;
  sshd: LabSshd;
  /** The onsite accounts, and `offsite`: the offsite Pi's run account (its restray-offsite). */
  users: { workstation: string; pull: string; status: string; offsite: string };
  offsite: { configDir: string; storeDir: string; services: RecordingServices };
  onsite: { base: string };
  workstation: {
    key: string;
    line: string;
    password: string;
    env: NodeJS.ProcessEnv;
    /** The app's line for another repository or workstation key (lab account, folder under the lab base). */
    lineFor(repo: string, publicKey: string, path?: string): string;
    /** restic through the append-only key once `setup onsite` allowed it. */
    restic(args: string[]): Promise<string>;
  };
  /** The flags each side's commands need in the lab (paths and names; on a Pi the defaults apply). */
  flags: { offsite: string[]; onsite: string[] };
  /** One `restray-pi setup …` with the lab's service manager; `env` e.g. for LANG. */
  setup(argv: string[], env?: NodeJS.ProcessEnv): Promise<SetupRun>;
  stop(): Promise<void>;
}

/** Starts a {@link PairingLab}; `repoName` names the repository in the workstation's line. */
export async function startPairingLab(repoName = 'laptop'): Promise<PairingLab> {
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run node scripts/build-node.mjs first`);
  const dir = mkdtempSync(join(tmpdir(), 'restray-pair-lab-'));
  chmodSync(dir, 0o755);
  const id = randomBytes(3).toString('hex');
  const users = {
    workstation: `rtpq${id}w`,
    pull: `rtpq${id}p`,
    status: `rtpq${id}s`,
    offsite: `rtpq${id}o`,
  };
  const cleanups: (() => Promise<unknown> | void)[] = [
    () => rmSync(dir, { recursive: true, force: true }),
    async () => {
      for (const u of Object.values(users)) await run('userdel', ['-r', '-f', u]).catch(() => undefined);
      for (const g of Object.values(users)) await run('groupdel', [g]).catch(() => undefined);
    },
  ];
  const stop = async () => {
    for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => undefined);
    cleanups.length = 0;
  };
  try {
    const sshd = await startSshd({ users: ['root'], extraConfig: [`AllowUsers rtpq${id}*`] });
    cleanups.push(() => sshd.stop());
    const offsite = {
      configDir: join(dir, 'offsite', 'etc'),
      storeDir: join(dir, 'offsite', 'srv'),
      services: recordingServices(),
    };
    // As the package installs it (/etc/restray-pi root:restray 0750, the run account in group restray): the run
    // account may pass through the configuration folder.
    mkdirSync(offsite.configDir, { recursive: true, mode: 0o755 });
    const onsite = { base: join(dir, 'onsite', 'srv') };
    mkdirSync(onsite.base, { recursive: true, mode: 0o755 });
    chmodSync(join(dir, 'onsite'), 0o755);
    const ws = await generateKey(join(dir, 'workstation'), repoName);
    const knownHosts = join(dir, 'workstation', 'known_hosts');
    writeFileSync(knownHosts, `${sshd.knownHostsLine()}\n`);
    const password = `pair-${randomBytes(8).toString('hex')}`;
    const env = {
      ...process.env,
      RESTIC_PASSWORD: password,
      RESTIC_PASSWORD_FILE: '',
      RESTIC_PASSWORD_COMMAND: '',
      RESTIC_CACHE_DIR: join(dir, 'restic-cache'),
    };
    const repoArgs = resticRepoArgs({
      kind: 'append-only',
      path: '/',
      user: users.workstation,
      host: '127.0.0.1',
      port: sshd.port,
      sshKey: ws.privatePath,
      knownHosts,
    });
    const lineFor = (repo: string, publicKey: string, path = join(onsite.base, repo, 'repo')) =>
      workstationPairingLine({ repo, publicKey, profile: 'append-only', user: users.workstation, path });
    const flags = {
      offsite: [
        '--config-dir',
        offsite.configDir,
        '--store-dir',
        offsite.storeDir,
        '--name',
        'offsite-lab',
        '--offsite-user',
        users.offsite,
      ],
      onsite: [
        '--host',
        '127.0.0.1',
        '--port',
        String(sshd.port),
        '--host-key',
        `${sshd.hostKeyPath}.pub`,
        '--base',
        onsite.base,
        '--repos-under',
        onsite.base,
        '--pull-user',
        users.pull,
        '--status-user',
        users.status,
        '--authorized-keys-dir',
        join(sshd.dir, 'authorized_keys'),
        '--sshd-config-dir',
        join(dir, 'onsite', 'sshd_config.d'),
      ],
    };
    return {
      dir,
      sshd,
      users,
      offsite,
      onsite,
      workstation: {
        key: ws.privatePath,
        line: lineFor(repoName, ws.publicLine),
        lineFor,
        password,
        env,
        restic: async (args) =>
          (await run('restic', [...repoArgs, ...args], { env, maxBuffer: 16 * 1024 * 1024 })).stdout,
      },
      flags,
      async setup(argv, extraEnv = {}) {
        let out = '';
        let err = '';
        const io = {
          out: (t: string) => void (out += `${t}\n`),
          err: (t: string) => void (err += `${t}\n`),
          env: { ...process.env, LANG: 'C.UTF-8', LC_ALL: '', LC_MESSAGES: '', ...extraEnv },
        };
        const code = await main(['setup', ...argv], io, {
          // The first sync runs as the run account through the bundle (runuser), as on a Pi.
          setup: { services: offsite.services, hostname: 'lab-host', self: [process.execPath, BUNDLE] },
        });
        return { code, out, err, line: /restray-pair:\S+/.exec(out)?.[0] };
      },
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
