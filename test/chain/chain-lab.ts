import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { OffsiteAccess, Repository } from '../../contract/config.js';
import type { SecretStore } from '../../core/secrets/secret-store.js';
import type { SyncOutcome } from '../../pi/src/offsite/sync.js';
import { main as restrayPi } from '../../pi/src/main.js';
import { keyFingerprint, loadSigningKey, publicKeyBase64 } from '../../pi/src/offsite/status-signing.js';
import { generateKey, startSshd, type LabSshd } from '../lab/sshd.js';
import type { Workstation } from '../cli/cli-lab.js';
import { startTwoPiLab, type TwoPiLab } from '../pi/lab-two-pi.js';

const run = promisify(execFile);

/**
 * The whole chain on one machine: the two-Pi lab (onsite sshd with restray-pi's accounts and forced commands,
 * offsite store synced by the real `restray-pi sync`) plus the offsite Pi's own sshd with the read-only restore
 * account (`internal-sftp -R` forced by its authorized_keys line, written by `restray-pi provision offsite`).
 */
export interface ChainLab {
  pis: TwoPiLab;
  /** The offsite Pi's sshd (restore account only). */
  offsiteSshd: LabSshd;
  /** The offsite store's root (holds generations/ and state/), world-traversable like on a real Pi. */
  offsiteRoot: string;
  restoreUser: string;
  /** The workstation's read-only access to the offsite Pi, as it goes into the Restray config. */
  offsiteAccess: OffsiteAccess;
  /**
   * The fingerprint of the offsite Pi's status key (what `restray-pi status --signing-key` shows), for a
   * repository that pins it (`offsiteStatusKey`); `repository()` leaves it unpinned.
   */
  statusKey: string;
  /** The repository as the workstation's Restray config holds it (append-only onsite target). */
  repository(name?: string): Repository;
  /** One `restray-pi sync` run on the offsite side (pull, verify, promote, publish the status onsite). */
  sync(): Promise<SyncOutcome>;
  /**
   * The offsite Pi's timer replaced by a loop: `restray-pi sync --if-changed` again and again (a short pause
   * between runs) until stopped. Returns the outcomes so far and the stop function (waits for the current run).
   */
  syncLoop(): { outcomes: SyncOutcome[]; stop(): Promise<void> };
  stop(): Promise<void>;
}

export async function startChainLab(): Promise<ChainLab> {
  // The offsite root must be reachable for the restore account, as /srv/… is on a Pi (the lab's own offsite
  // folder is 0700).
  const outer = mkdtempSync(join(tmpdir(), 'restray-chain-'));
  chmodSync(outer, 0o755);
  const offsiteRoot = join(outer, 'offsite-store');
  const cleanups: (() => Promise<unknown> | void)[] = [() => rmSync(outer, { recursive: true, force: true })];
  const stop = async () => {
    for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => undefined);
    cleanups.length = 0;
  };
  try {
    const pis = await startTwoPiLab({
      faultProxy: true,
      configure: (raw) => {
        raw.offsite.root = offsiteRoot;
        // Several generations a day would otherwise collapse to the day's newest (keepDaily).
        raw.offsite.retention = { keepLast: 10 };
      },
    });
    cleanups.push(() => pis.stop());
    const labId = randomBytes(3).toString('hex');
    const restoreUser = `rtch${labId}r`;
    // The store's run account (the offsite Pi's restray-offsite); this lab's sync runs in the test process.
    const offsiteUser = `rtch${labId}o`;
    for (const u of [restoreUser, offsiteUser])
      cleanups.push(async () => {
        await run('userdel', ['-r', '-f', u]).catch(() => undefined);
        await run('groupdel', [u]).catch(() => undefined);
      });
    const restoreKey = await generateKey(join(outer, 'keys'), 'offsite-restore');
    const offsiteSshd = await startSshd({ users: [restoreUser] });
    cleanups.push(() => offsiteSshd.stop());
    // The restore account as an offsite Pi gets it: `restray-pi provision offsite --restore-key …`.
    let provisionErr = '';
    const provisioned = await restrayPi(
      [
        'provision',
        'offsite',
        '--root',
        offsiteRoot,
        '--restore-key',
        restoreKey.publicLine,
        '--restore-user',
        restoreUser,
        '--offsite-user',
        offsiteUser,
        '--authorized-keys-dir',
        join(offsiteSshd.dir, 'authorized_keys'),
        // This lab's sshd does not read the chroot drop-in (its store lies under /tmp, which sshd refuses as a
        // chroot); test/pi/access-matrix.test.ts proves the chroot.
        '--sshd-config-dir',
        join(outer, 'sshd_config.d'),
      ],
      { out: () => undefined, err: (t) => void (provisionErr += `${t}\n`), env: process.env },
    );
    if (provisioned !== 0) throw new Error(`provision offsite failed (${provisioned}): ${provisionErr}`);
    const knownHosts = join(outer, 'offsite.known_hosts');
    writeFileSync(knownHosts, `${offsiteSshd.knownHostsLine()}\n`);
    mkdirSync(offsiteRoot, { recursive: true, mode: 0o755 });
    const offsiteAccess: OffsiteAccess = {
      user: restoreUser,
      host: '127.0.0.1',
      port: offsiteSshd.port,
      sshKey: restoreKey.privatePath,
      knownHosts,
      path: offsiteRoot,
    };
    return {
      pis,
      offsiteSshd,
      offsiteRoot,
      restoreUser,
      offsiteAccess,
      statusKey: keyFingerprint(publicKeyBase64(loadSigningKey(offsiteRoot))),
      repository: (name = 'pi') => ({
        name,
        target: {
          kind: 'append-only',
          user: pis.onsite.users.workstation,
          host: '127.0.0.1',
          port: pis.onsite.sshd.port,
          path: '/',
          sshKey: pis.workstation.key,
          knownHosts: pis.workstation.knownHosts,
        },
        offsiteStatusUser: pis.onsite.users.status,
        offsite: offsiteAccess,
      }),
      sync: () => pis.sync(),
      syncLoop: () => {
        const outcomes: SyncOutcome[] = [];
        const abort = new AbortController();
        const loop = (async () => {
          while (!abort.signal.aborted) {
            try {
              outcomes.push(await pis.sync({ trigger: 'change', ifChanged: true, signal: abort.signal }));
            } catch {
              // a run ended by stop(), or a bug the test sees through the missing outcome
            }
            // The systemd timer's period, shortened: not a wait in the test, the test waits on conditions.
            await new Promise((r) => setTimeout(r, 200));
          }
        })();
        const halt = async () => {
          abort.abort();
          await loop;
        };
        cleanups.push(halt);
        return { outcomes, stop: halt };
      },
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** A port on 127.0.0.1 nothing listens on (bound once, then released): "the onsite Pi is gone". */
export async function deadPort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Runs the `sudo restray-pi provision offsite …` command Restray printed, on the lab's offsite Pi as an
 * administrator pastes it: its words as /bin/sh parses them (the printed quoting is tested), `sudo` dropped (the
 * lab runs as root), the lab sshd's authorized_keys folder appended. Throws with restray-pi's stderr on failure.
 */
export async function runPrintedOffsiteCommand(lab: ChainLab, command: string): Promise<void> {
  const words = (await run('/bin/sh', ['-c', `set -- ${command}; printf '%s\\0' "$@"`])).stdout
    .split('\0')
    .slice(0, -1);
  if (words.slice(0, 4).join(' ') !== 'sudo restray-pi provision offsite')
    throw new Error(`not a provision offsite command: ${command}`);
  let err = '';
  const code = await restrayPi(
    [...words.slice(2), '--authorized-keys-dir', join(lab.offsiteSshd.dir, 'authorized_keys')],
    { out: () => undefined, err: (t) => void (err += t), env: process.env },
  );
  if (code !== 0) throw new Error(`${command}\nfailed (${code}): ${err}`);
}

/** The keychain is not what chain tests are about: a map behind the SecretStore interface. */
export function memorySecrets(): SecretStore {
  const m = new Map<string, string>();
  return {
    get: async (a) => m.get(a),
    set: async (a, s) => void m.set(a, s),
    delete: async (a) => m.delete(a),
  };
}

/**
 * A CLI workstation connected to the chain lab as a user does it: `restray repo add pi` (append-only, the lab's
 * key and known_hosts, the password on stdin), then `restray repo offsite pi` twice (the printed command run on
 * the offsite Pi, then the save with the compared host key). test/chain/cli-offsite.test.ts checks each step;
 * this is the path for tests about what comes after. Throws with the CLI's stderr on failure.
 */
export async function connectCliWorkstation(lab: ChainLab, ws: Workstation): Promise<void> {
  const repo = lab.repository();
  if (repo.target.kind !== 'append-only') throw new Error('lab repository is append-only');
  const must = async (args: string[], input?: string) => {
    const r = await ws.run(args, input === undefined ? {} : { input });
    if (r.exitCode !== 0) throw new Error(`restray ${args.join(' ')} failed: ${r.stderr}`);
    return r.stdout;
  };
  await must(
    [
      'repo',
      'add',
      'pi',
      '--url',
      `sftp://${repo.target.user}@127.0.0.1:${repo.target.port}//repo`,
      '--append-only',
      '--ssh-key',
      repo.target.sshKey,
      '--known-hosts',
      repo.target.knownHosts,
    ],
    `${lab.pis.workstation.password}\n`,
  );
  const offsiteArgs = cliOffsiteArgs(lab);
  const step = JSON.parse(await must([...offsiteArgs, '--json'])) as {
    provisionCommand: string;
    hostKey: { fingerprint: string };
  };
  await runPrintedOffsiteCommand(lab, step.provisionCommand);
  await must([...offsiteArgs, '--fingerprint', step.hostKey.fingerprint]);
}

/** `restray repo offsite pi …` for this lab: the status account and the offsite Pi's read-only restore access. */
export function cliOffsiteArgs(lab: ChainLab): string[] {
  return [
    ...['repo', 'offsite', 'pi', '--status-user', lab.pis.onsite.users.status],
    ...['--host', '127.0.0.1', '--port', String(lab.offsiteSshd.port)],
    ...['--user', lab.restoreUser, '--path', lab.offsiteRoot],
  ];
}
