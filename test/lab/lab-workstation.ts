import { execa } from 'execa';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Repository } from '../../contract/config.js';
import { userLikeDir } from './user-like-dir.js';

const root = join(import.meta.dirname, '..', '..');
/** The launcher `npx restray` runs; it loads the bundle below. */
export const RESTRAY_BIN = join(root, 'bin', 'restray.mjs');
const bundle = join(root, 'dist', 'cli', 'restray.cjs');

/** Result of one `restray …` call. */
export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** A workstation as the `restray` CLI sees it: its own RESTRAY_HOME, a keychain reachable through `env`. */
export interface LabWorkstation {
  home: string;
  /** What a shell needs to be this workstation: RESTRAY_HOME and the Secret Service's bus address. */
  env: Record<string, string>;
  /** Runs the real CLI (bin/restray.mjs, a separate process); never rejects. */
  run(args: string[], opts?: { input?: string; timeoutMs?: number }): Promise<CliResult>;
  /** Changes config.json as the setup wizard or a user's editor would (validated on the CLI's next read). */
  editConfig(change: (config: Record<string, unknown>) => void): void;
}

/** Options of {@link setUpWorkstation}. */
export interface WorkstationOptions {
  /** The repository as the Restray config holds it (an append-only onsite target, offsite status, restore). */
  repository: Repository;
  password: string;
  /** Secret Service environment (at least DBUS_SESSION_BUS_ADDRESS). */
  keyringEnv: Record<string, string>;
  /** Folders the plan backs up. */
  paths: string[];
  planName?: string;
  /** `settings.hostname`: the restic host of this configuration (several workstations on one machine). */
  hostname?: string;
  /** Run `restic init` through the workstation's key (a repository nobody created yet). */
  init?: boolean;
  /** RESTRAY_HOME to use; default a new temporary folder (the caller removes it). */
  home?: string;
}

/** Throws with what to do when the CLI bundle has not been built. */
export function requireCliBundle(): void {
  if (!existsSync(bundle))
    throw new Error(`${bundle} is missing: run \`npm install\` or \`npm run build\` first`);
}

/** A workstation on an existing RESTRAY_HOME (no setup). */
export function labWorkstation(home: string, keyringEnv: Record<string, string>): LabWorkstation {
  // Only what selects this workstation is overridden: PATH, HOME etc. stay the caller's, as in a user's shell.
  const env = { ...keyringEnv, RESTRAY_HOME: home };
  const configFile = join(home, 'config.json');
  return {
    home,
    env,
    run: async (args, opts = {}) => {
      const r = await execa(process.execPath, [RESTRAY_BIN, ...args], {
        env: { ...process.env, ...env, LANG: 'C.UTF-8' },
        input: opts.input ?? '',
        reject: false,
        timeout: opts.timeoutMs ?? 170_000,
      });
      return { exitCode: r.exitCode ?? 1, stdout: String(r.stdout), stderr: String(r.stderr) };
    },
    editConfig: (change) => {
      const c = JSON.parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>;
      change(c);
      writeFileSync(configFile, JSON.stringify(c, null, 2));
    },
  };
}

/**
 * Sets up a workstation the way a user does, through the real CLI: `restray repo add` (password on stdin → the
 * keychain; `--init` when asked), then what the setup wizard adds for an offsite Pi (the status account and the
 * read-only restore access, written into config.json because the CLI has no flag for them) and the optional
 * `settings.hostname`, then `restray plan add`. Throws with the CLI's stderr when a step fails.
 */
export async function setUpWorkstation(o: WorkstationOptions): Promise<LabWorkstation> {
  requireCliBundle();
  const t = o.repository.target;
  if (t.kind !== 'append-only') throw new Error('lab workstations use an append-only onsite target');
  const ws = labWorkstation(o.home ?? userLikeDir('restray-lab-ws-'), o.keyringEnv);
  const must = async (args: string[], input?: string) => {
    const r = await ws.run(args, input === undefined ? {} : { input });
    if (r.exitCode !== 0)
      throw new Error(`restray ${args[0]} ${args[1]} failed (${r.exitCode}): ${r.stderr}`);
    return r;
  };
  await must(
    [
      'repo',
      'add',
      o.repository.name,
      '--url',
      // The path is not used for append-only targets: the Pi's forced command names the repository.
      `sftp://${t.user}@${t.host}:${t.port}//repo`,
      '--append-only',
      '--ssh-key',
      t.sshKey,
      '--known-hosts',
      t.knownHosts,
      ...(o.init ? ['--init'] : []),
    ],
    `${o.password}\n`,
  );
  ws.editConfig((c) => {
    const repo = (c.repositories as Record<string, unknown>[])[0]!;
    if (o.repository.offsiteStatusUser) repo.offsiteStatusUser = o.repository.offsiteStatusUser;
    if (o.repository.offsite) repo.offsite = o.repository.offsite;
    if (o.hostname) c.settings = { ...(c.settings as object), hostname: o.hostname };
  });
  await must([
    'plan',
    'add',
    o.planName ?? 'demo',
    '--repo',
    o.repository.name,
    ...o.paths.flatMap((p) => ['--path', p]),
  ]);
  return ws;
}
