import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type {
  CreateRepositoryRequest,
  GeneratedKey,
  HostKey,
  OffsiteCommand,
  PasswordChoice,
  PiEndpoint,
  RecoverySheet,
} from '../../contract/setup.js';
import { RestrayError } from '../errors.js';
import { pinHostKey, scanHostKey } from '../ssh/host-key.js';
import { generateRepoKey, readPublicKey } from '../ssh/keys.js';
import type { EngineDeps } from './engine-deps.js';
import { offsiteKnownHosts, offsiteProvisionCommand, sshTargetOf } from './offsite-setup.js';
import { recoverySheet, shellQuote } from './recovery-sheet.js';
import { pairingLineOf } from './pairing-lines.js';
import { findRepository } from './repo-context.js';
import type { Repositories } from './repositories.js';

/** A generated repository password: 32 characters from 24 random bytes. */
export function generatePassword(): string {
  return randomBytes(24).toString('base64url');
}

/** The password a user chose, or a generated one (then also returned as `generated`, to show it once). */
export function choosePassword(choice: PasswordChoice): { password: string; generated?: string } {
  if (choice.kind === 'generate') {
    const generated = generatePassword();
    return { password: generated, generated };
  }
  return { password: choice.value };
}

/**
 * The steps of connecting a repository on a Pi (the setup wizard's, and `restray repo offsite`'s): the
 * repository's ssh key and the provisioning command for the Pi, scanning and pinning the Pi's host key, the
 * offsite Pi's command, creating the repository, the recovery sheet. Files it writes: keys and known_hosts in
 * the ssh folder of the configuration.
 */
export class Setup {
  constructor(
    private readonly deps: Pick<EngineDeps, 'paths' | 'config'>,
    private readonly repos: Repositories,
  ) {}

  /**
   * Makes an ed25519 key for the repository (file 0600 in the ssh folder; a key left by an unfinished earlier
   * run is reused, the Pi may trust it already) and the `restray-pi provision onsite` command for the Pi.
   */
  async generateKey(input: PiEndpoint): Promise<GeneratedKey> {
    const sshDir = this.deps.paths.sshDir;
    const privatePath = join(sshDir, input.repo);
    let publicKey: string;
    try {
      publicKey = (await generateRepoKey(sshDir, input.repo)).publicLine;
    } catch (e) {
      if (e instanceof RestrayError && e.kind === 'invalid-argument' && /already exists/.test(e.message)) {
        publicKey = await readPublicKey(privatePath);
      } else throw e;
    }
    const provisionCommand = [
      'sudo restray-pi provision onsite',
      `--repo ${shellQuote(input.path)}`,
      `--mode ${input.profile}`,
      `--user ${shellQuote(input.user)}`,
      `--workstation-key ${shellQuote(publicKey)}`,
    ].join(' ');
    return {
      sshKey: privatePath,
      knownHosts: join(sshDir, `${input.repo}.known_hosts`),
      publicKey,
      provisionCommand,
      ...pairingLineOf(input, publicKey),
    };
  }

  /** ssh-keyscan of the host: its ed25519 key's fingerprint for the user to compare. `network` when unreachable. */
  async scanHostKey(input: { host: string; port: number }): Promise<HostKey[]> {
    const scanned = await scanHostKey(input.host, input.port);
    return [{ type: 'ssh-ed25519', fingerprint: scanned.fingerprint }];
  }

  /**
   * Pins the host key whose fingerprint the user confirmed into the repository's known_hosts (`hop` offsite:
   * the offsite one). Scans again first: `host-key-mismatch` if the key is not the one the user compared.
   */
  async confirmHostKey(input: {
    repo: string;
    host: string;
    port: number;
    fingerprint: string;
    hop: 'onsite' | 'offsite';
  }): Promise<void> {
    const now = await scanHostKey(input.host, input.port);
    if (now.fingerprint !== input.fingerprint) {
      throw new RestrayError(
        'host-key-mismatch',
        `The Pi's host key is ${now.fingerprint}, not the ${input.fingerprint} you confirmed.`,
        {
          hint: 'Compare the fingerprint on the Pi (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub) and scan again.',
        },
      );
    }
    const sshDir = this.deps.paths.sshDir;
    pinHostKey(
      input.hop === 'offsite'
        ? offsiteKnownHosts(sshDir, input.repo)
        : join(sshDir, `${input.repo}.known_hosts`),
      now.lines,
    );
  }

  /** The repository key's public line and the `restray-pi provision offsite` command for the offsite Pi. */
  async offsiteCommand(input: { repo: string; user: string; path: string }): Promise<OffsiteCommand> {
    const repo = findRepository(this.deps.config.get(), input.repo);
    const publicKey = await readPublicKey(sshTargetOf(repo).sshKey);
    return { publicKey, provisionCommand: offsiteProvisionCommand(repo, publicKey, input) };
  }

  /**
   * Adds the repository (`new`: restic init, `existing`: opened with the password first; see
   * Repositories.add) and returns its recovery sheet, with the password only if it was generated here.
   */
  async createRepository(input: CreateRepositoryRequest): Promise<RecoverySheet> {
    const { password, generated } = choosePassword(input.password);
    const repo = await this.repos.add(input.repository, password, {
      init: input.mode === 'new',
      verify: input.mode === 'existing',
    });
    return recoverySheet(repo, new Date().toISOString(), generated);
  }

  /** The recovery sheet of a configured repository, without any password. */
  async recoverySheet(input: { repo: string }): Promise<RecoverySheet> {
    return recoverySheet(findRepository(this.deps.config.get(), input.repo), new Date().toISOString());
  }
}
