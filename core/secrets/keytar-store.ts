import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { RestrayError } from '../errors.js';
import { SECRET_SERVICE, type SecretStore } from './secret-store.js';

/**
 * The part of keytar's API Restray uses. `@napi-rs/keyring` ships the same shape (`@napi-rs/keyring/keytar`),
 * so replacing keytar means changing {@link loadKeytar} only.
 */
export interface KeytarLike {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
}

/** State of the Secret Service's default collection (Linux), from {@link probeSecretService}. */
export type SecretServiceState = 'unlocked' | 'locked' | 'no-default-collection' | 'unknown';

/** Options of {@link KeytarStore}; the defaults are what the app uses. */
export interface KeytarStoreOptions {
  /** Keychain service name; default `restray`. */
  service?: string;
  /** Loads the keychain module; default {@link loadKeytar}. */
  load?: () => KeytarLike;
  /** Tells a locked keychain from a missing secret (Linux); default {@link probeSecretService}. */
  probe?: () => Promise<SecretServiceState>;
  /** How long one keychain call may take before it fails with `keychain-unavailable`; default 10 s. */
  deadlineMs?: number;
  /**
   * Asked once before keytar is first used: false when the keychain's bus does not answer at all within the
   * time given; default {@link secretServiceAnswers}.
   */
  answers?: (timeoutMs: number) => Promise<boolean>;
}

/** Default of {@link KeytarStoreOptions.deadlineMs}. */
export const KEYCHAIN_DEADLINE_MS = 10_000;

/**
 * Loads keytar lazily, so that merely importing this module never fails: a missing or mis-built native module
 * becomes a `keychain-unavailable` error when a secret is first needed, and the Secret Service address
 * (DBUS_SESSION_BUS_ADDRESS) is read at that moment, not at import time.
 */
export function loadKeytar(): KeytarLike {
  try {
    const mod = createRequire(import.meta.url)('keytar') as KeytarLike & { default?: KeytarLike };
    return typeof mod.getPassword === 'function' ? mod : mod.default!;
  } catch (e) {
    throw new RestrayError('keychain-unavailable', 'The keychain module (keytar) could not be loaded.', {
      hint: 'Reinstall Restray; on Linux from source, install libsecret-1-dev and rebuild keytar.',
      cause: e,
    });
  }
}

const LINUX_HINT =
  'Install and start a Secret Service keychain (gnome-keyring, KeePassXC with Secret Service enabled, or KWallet 5.97 or later) in your desktop session; Restray never stores the password in a plain file.';

// Messages from libsecret/GLib (Linux), Security.framework (macOS) and Credential Manager (Windows).
const UNAVAILABLE =
  /autolaunch D-Bus|Could not connect|The given address is empty|Failed to connect to socket|org\.freedesktop\.secrets was not provided|ServiceUnknown|No such interface|not provided by any \.service files|Error spawning command line|Connection refused|Did not receive a reply|disconnected from message bus/i;
const NO_COLLECTION = /Object does not exist at path|No such object path|collection .* does not exist/i;
const LOCKED =
  /locked collection|is locked|keychain is locked|Prompt (was )?dismissed|dismissed|User canceled|User cancelled|interaction is not allowed|passphrase you entered is not correct/i;

function unavailable(cause?: unknown): RestrayError {
  return new RestrayError(
    'keychain-unavailable',
    'The system keychain is not available, so Restray cannot read or store the repository password.',
    {
      hint: process.platform === 'linux' ? LINUX_HINT : 'Check that the system keychain service is running.',
      ...(cause === undefined ? {} : { cause }),
    },
  );
}

function noDefaultKeyring(cause?: unknown): RestrayError {
  return new RestrayError(
    'keychain-unavailable',
    'The system keychain has no default keyring to store the password in.',
    {
      hint: 'Create a default keyring (for example "Login" in Passwords and Keys / Seahorse, or a database in KeePassXC with Secret Service enabled), then try again.',
      ...(cause === undefined ? {} : { cause }),
    },
  );
}

function locked(cause?: unknown): RestrayError {
  return new RestrayError(
    'keychain-locked',
    'The system keychain is locked, so Restray cannot read or store the repository password.',
    {
      hint: 'Unlock your keychain (log in to the desktop session, or unlock it in Passwords and Keys / KeePassXC), then try again.',
      ...(cause === undefined ? {} : { cause }),
    },
  );
}

/**
 * Maps an error thrown by keytar to a typed error. Only the message's category is used: keytar messages come
 * from the OS and never contain the secret, but Restray's own message is used anyway so nothing of the raw
 * text reaches the user or the logs (the raw error stays as `cause` for debugging).
 */
export function mapKeychainError(e: unknown, action: string): RestrayError {
  if (e instanceof RestrayError) return e;
  const text = e instanceof Error ? e.message : String(e);
  if (LOCKED.test(text)) return locked(e);
  if (NO_COLLECTION.test(text)) return noDefaultKeyring(e);
  if (UNAVAILABLE.test(text)) return unavailable(e);
  return new RestrayError('failed', `The system keychain failed to ${action} the repository password.`, {
    cause: e,
  });
}

function noAnswer(seconds: number): RestrayError {
  return new RestrayError(
    'keychain-unavailable',
    `The system keychain did not answer within ${seconds} s, so Restray cannot read or store the repository password.`,
    {
      hint: 'Check that your keychain is running and unlocked (it may be waiting for an unlock prompt), then try again.',
    },
  );
}

/**
 * Settles like `work`, or rejects with {@link noAnswer} after `ms`. The keychain call itself cannot be
 * stopped (it runs on a libuv thread): the CLI exits explicitly once it is done, so a call that never returns
 * does not keep the process alive.
 */
function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(noAnswer(Math.round(ms / 1000))), ms);
    timer.unref();
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

function run(cmd: string, args: string[], timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout) =>
      resolve(err ? undefined : stdout),
    );
  });
}

/**
 * Whether the session bus answers a Ping to the Secret Service within `timeoutMs` (Linux; elsewhere true).
 * A bus that does not answer at all (its daemon stopped or wedged) would make keytar's call block a libuv
 * thread for good, and Node cannot exit while such a thread is busy (it joins the thread pool at exit): so
 * that case is found by a separate `dbus-send`, which can be killed. Any answer, even an error such as "no
 * Secret Service", counts as answering: keytar then reports it.
 */
export async function secretServiceAnswers(timeoutMs: number): Promise<boolean> {
  if (process.platform !== 'linux' || !process.env.DBUS_SESSION_BUS_ADDRESS) return true;
  return new Promise((resolve) => {
    execFile(
      'dbus-send',
      [
        '--session',
        '--print-reply',
        `--reply-timeout=${timeoutMs}`,
        '--dest=org.freedesktop.secrets',
        '/org/freedesktop/secrets',
        'org.freedesktop.DBus.Peer.Ping',
      ],
      { timeout: timeoutMs, encoding: 'utf8' },
      (err, _stdout, stderr) => {
        // killed by the timeout: no answer; ENOENT (no dbus-send): cannot tell, let keytar try. Only dbus-send's
        // own words count (the error's message also quotes the command line, which says --reply-timeout).
        const e = err as (NodeJS.ErrnoException & { killed?: boolean }) | null;
        resolve(
          !(
            e?.killed === true ||
            (e !== null && /Did not receive a reply|Timeout was reached/i.test(String(stderr)))
          ),
        );
      },
    );
  });
}

/**
 * Reads whether the Secret Service's default collection (where keytar/libsecret store) is locked, with
 * `dbus-send` on the session bus. Needed because libsecret answers "no such secret" for a locked collection
 * (and for a missing one) instead of failing. Passive: reads a property, never triggers an unlock prompt.
 * `unknown` off Linux, without dbus-send, or when the service does not answer within 5 s.
 */
export async function probeSecretService(): Promise<SecretServiceState> {
  if (process.platform !== 'linux') return 'unknown';
  const base = ['--session', '--print-reply', '--reply-timeout=5000', '--dest=org.freedesktop.secrets'];
  const alias = await run(
    'dbus-send',
    [...base, '/org/freedesktop/secrets', 'org.freedesktop.Secret.Service.ReadAlias', 'string:default'],
    6_000,
  );
  const path = alias && /object path "([^"]+)"/.exec(alias)?.[1];
  if (!path) return 'unknown';
  if (path === '/') return 'no-default-collection';
  const prop = await run(
    'dbus-send',
    [
      ...base,
      path,
      'org.freedesktop.DBus.Properties.Get',
      'string:org.freedesktop.Secret.Collection',
      'string:Locked',
    ],
    6_000,
  );
  const m = prop && /boolean (true|false)/.exec(prop);
  if (!m) return 'unknown';
  return m[1] === 'true' ? 'locked' : 'unlocked';
}

/**
 * SecretStore on the OS keychain through keytar: Keychain on macOS, Credential Manager on Windows, the Secret
 * Service (gnome-keyring, KeePassXC, KWallet ≥ 5.97) over D-Bus on Linux. All entries use the service name
 * `restray`.
 *
 * Errors (RestrayError): `keychain-unavailable` when there is no keychain to talk to (no D-Bus session, no
 * Secret Service, no default keyring, keytar missing), with a hint naming what to install or create;
 * `keychain-locked` when the keychain is locked or the unlock prompt was dismissed; `failed` otherwise.
 * It never falls back to a plaintext file, and never puts a secret into an error.
 * On Linux a lookup that finds nothing asks the Secret Service whether the keyring is locked, because
 * libsecret reports a locked keyring as "not found". Every call has a deadline (`deadlineMs`, 10 s): a
 * keychain that hangs (a locked collection waiting on a prompt, a daemon that stopped answering) becomes
 * `keychain-unavailable` instead of a hang.
 */
export class KeytarStore implements SecretStore {
  private readonly service: string;
  private readonly load: () => KeytarLike;
  private readonly probe: () => Promise<SecretServiceState>;
  private readonly deadlineMs: number;
  private readonly answers: (timeoutMs: number) => Promise<boolean>;
  private keytar: KeytarLike | undefined;
  private answered: Promise<void> | undefined;

  constructor(opts: KeytarStoreOptions = {}) {
    this.service = opts.service ?? SECRET_SERVICE;
    this.load = opts.load ?? loadKeytar;
    this.probe = opts.probe ?? probeSecretService;
    this.deadlineMs = opts.deadlineMs ?? KEYCHAIN_DEADLINE_MS;
    this.answers = opts.answers ?? secretServiceAnswers;
  }

  /** keytar, once the keychain's bus has been seen to answer (see secretServiceAnswers). */
  private async module(): Promise<KeytarLike> {
    this.answered ??= this.answers(this.deadlineMs).then((ok) => {
      if (!ok) throw noAnswer(Math.round(this.deadlineMs / 1000));
    });
    await this.answered;
    return (this.keytar ??= this.load());
  }

  /** Throws when the keyring is locked or absent: the "nothing found" answer cannot be trusted then. */
  private async checkNotFoundIsReal(): Promise<void> {
    const state = await this.probe();
    if (state === 'locked') throw locked();
    if (state === 'no-default-collection') throw noDefaultKeyring();
  }

  /** The secret stored under `account`, or undefined. Throws as described on the class. */
  get(account: string): Promise<string | undefined> {
    return withDeadline(this.getNow(account), this.deadlineMs);
  }

  /** Stores or replaces the secret under `account`. Throws as described on the class. */
  set(account: string, secret: string): Promise<void> {
    return withDeadline(this.setNow(account, secret), this.deadlineMs);
  }

  /** Removes the secret; true when one existed. Throws as described on the class. */
  delete(account: string): Promise<boolean> {
    return withDeadline(this.deleteNow(account), this.deadlineMs);
  }

  private async getNow(account: string): Promise<string | undefined> {
    let value: string | null;
    try {
      value = await (await this.module()).getPassword(this.service, account);
    } catch (e) {
      throw mapKeychainError(e, 'read');
    }
    if (value === null) {
      await this.checkNotFoundIsReal();
      return undefined;
    }
    return value;
  }

  private async setNow(account: string, secret: string): Promise<void> {
    try {
      await (await this.module()).setPassword(this.service, account, secret);
    } catch (e) {
      throw mapKeychainError(e, 'store');
    }
  }

  private async deleteNow(account: string): Promise<boolean> {
    let removed: boolean;
    try {
      removed = await (await this.module()).deletePassword(this.service, account);
    } catch (e) {
      throw mapKeychainError(e, 'delete');
    }
    if (!removed) await this.checkNotFoundIsReal();
    return removed;
  }
}
