import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../../contract/config.js';
import { passwordAccount } from '../../core/engine/repo-context.js';
import { KeytarStore } from '../../core/secrets/keytar-store.js';
import type { SyncOutcome } from '../../pi/src/offsite/sync.js';
import { startChainLab, type ChainLab } from '../chain/chain-lab.js';
import { labKeyring, type LabKeyring } from './lab-keyring.js';
import { startSyncLoop, type SyncLoop } from './lab-sync-loop.js';
import { setUpWorkstation, type LabWorkstation } from './lab-workstation.js';

/** Everything `npm run lab` runs, and how to reach it. */
export interface DemoLab {
  /** Lab folder: RESTRAY_HOME (home/), the sample folder (sample/), a restore target (restored/). */
  root: string;
  sample: string;
  restoreTarget: string;
  chain: ChainLab;
  keyring: LabKeyring;
  workstation: LabWorkstation;
  loop: SyncLoop;
  /** The lab accounts on this machine (removed by stop). */
  accounts: string[];
  /** What to type to use the lab (the text `npm run lab` prints). */
  instructions(): string;
  /** Stops the loop, the sshd instances and the keyring session; removes the accounts and every folder. */
  stop(): Promise<void>;
}

/** Options of {@link startDemoLab}. */
export interface DemoLabOptions {
  /** Pause between offsite pulls (`restray-pi sync --if-changed`); default 3 s. */
  syncIntervalMs?: number;
  /** Start a private keyring session even when the caller's session has a Secret Service. */
  ownKeyring?: boolean;
  /** What the offsite Pi did (a sync that changed something, a failure): one line each. */
  log?: (line: string) => void;
}

/** A single-quoted shell word. */
export function shellWord(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function describeOutcome(o: SyncOutcome): string | undefined {
  if (o.result === 'skipped') return undefined;
  if (o.result === 'ok')
    return o.promoted
      ? `offsite Pi: generation ${o.promoted} verified (${o.filesTransferred} new files, ${Math.round(o.bytesTransferred / 1024)} KiB pulled)`
      : undefined;
  return `offsite Pi: sync ${o.result}${o.run?.error ? `: ${o.run.error.message}` : ''}`;
}

/**
 * The whole 3-2-1 chain on this machine, ready to use: the chain lab (onsite "Pi": sshd with restray-pi's
 * accounts and forced commands; offsite "Pi": its store and read-only restore account), the offsite pull timer
 * replaced by a loop, a Secret Service, and a RESTRAY_HOME set up through the real CLI with the repository
 * (password in the keychain) and a plan "demo" over a sample folder. Needs root (lab accounts, sshd).
 * Cleans up after itself when a step fails.
 */
export async function startDemoLab(o: DemoLabOptions = {}): Promise<DemoLab> {
  const log = o.log ?? (() => undefined);
  const root = mkdtempSync(join(tmpdir(), 'restray-lab-'));
  chmodSync(root, 0o755);
  const cleanups: (() => Promise<unknown> | void)[] = [() => rmSync(root, { recursive: true, force: true })];
  const stop = async () => {
    for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => undefined);
    cleanups.length = 0;
  };
  try {
    const sample = join(root, 'sample');
    mkdirSync(join(sample, 'photos'), { recursive: true });
    writeFileSync(
      join(sample, 'README.txt'),
      'Sample data of the Restray lab. Change me and back up again.\n',
    );
    writeFileSync(join(sample, 'notes.md'), '# Notes\n\n- offsite or it did not happen\n');
    writeFileSync(join(sample, 'photos', 'holiday.raw'), randomBytes(256 * 1024));
    const home = join(root, 'home');
    const restoreTarget = join(root, 'restored');

    const keyring = await labKeyring({ forceOwn: o.ownKeyring === true });
    cleanups.push(() => keyring.stop());
    const chain = await startChainLab();
    cleanups.push(() => chain.stop());
    const repository = chain.repository('pi');
    const workstation = await setUpWorkstation({
      repository,
      password: chain.pis.workstation.password,
      keyringEnv: keyring.env,
      paths: [sample],
      planName: 'demo',
      home,
    });
    if (!keyring.own) {
      // The caller's own keychain outlives the lab: take the lab's password entry out again.
      const config = JSON.parse(readFileSync(join(home, 'config.json'), 'utf8')) as Config;
      const account = passwordAccount(config.repositories[0]!);
      cleanups.push(() => new KeytarStore().delete(account));
    }
    const loop = startSyncLoop({
      config: chain.pis.offsite.config,
      intervalMs: o.syncIntervalMs ?? 3_000,
      onOutcome: (outcome) => {
        const line = describeOutcome(outcome);
        if (line) log(line);
      },
      onError: (e) => log(`offsite Pi: sync error: ${e instanceof Error ? e.message : String(e)}`),
    });
    cleanups.push(() => loop.stop());

    const { users } = chain.pis.onsite;
    const accounts = [users.workstation, users.pull, users.status, chain.restoreUser];
    const exportLine = `export ${Object.entries(workstation.env)
      .sort(([a], [b]) => (a === 'RESTRAY_HOME' ? -1 : b === 'RESTRAY_HOME' ? 1 : 0))
      .map(([k, v]) => `${k}=${shellWord(v)}`)
      .join(' ')}`;
    const envPrefix = exportLine.slice('export '.length);
    const projectRoot = join(import.meta.dirname, '..', '..');
    const instructions = () =>
      [
        'Restray lab ready.',
        '',
        `  onsite Pi    sshd on 127.0.0.1:${chain.pis.onsite.sshd.port}, accounts ${users.workstation} (restic, append-only), ${users.pull} (offsite pull, read-only), ${users.status} (offsite status)`,
        `               repository ${chain.pis.onsite.repo}`,
        `  offsite Pi   store ${chain.offsiteRoot}, pulled every ${Math.round((o.syncIntervalMs ?? 3_000) / 1000)} s by restray-pi sync --if-changed;`,
        `               restore account ${chain.restoreUser} (read-only) on 127.0.0.1:${chain.offsiteSshd.port}`,
        `  workstation  RESTRAY_HOME ${home}: repository "pi" (password in the keychain), plan "demo" backs up ${sample}`,
        `  keychain     ${keyring.own ? 'a private gnome-keyring session started by the lab' : "your session's Secret Service (the lab removes its entry on exit)"}`,
        `  alerts       ${chain.pis.alerts.url} (the offsite Pi's webhook; printed here as they arrive)`,
        '',
        `Use it from another shell (as ${process.getuid?.() === 0 ? 'root' : 'this user'}: the lab's SSH keys are this user's):`,
        '',
        `  cd ${shellWord(projectRoot)}`,
        `  ${exportLine}`,
        '  npx restray backup demo        # a snapshot onto the onsite Pi (append-only)',
        '  npx restray status             # "pi: safe" once the offsite Pi has pulled and verified it (seconds)',
        '  npx restray snapshots pi',
        `  npx restray restore pi latest --from offsite --target ${shellWord(restoreTarget)}`,
        '',
        'The tray app on the same lab (needs a display; as root Electron needs --no-sandbox):',
        '',
        `  npm run build && ${envPrefix} npx electron . --no-sandbox`,
        '',
        `Lab-only repository password (also in the keychain), for plain restic on an offsite generation:`,
        `  ${chain.pis.workstation.password}`,
        '',
        'Ctrl-C stops the lab and removes its processes, accounts and folders.',
      ].join('\n');
    return {
      root,
      sample,
      restoreTarget,
      chain,
      keyring,
      workstation,
      loop,
      accounts,
      instructions,
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
