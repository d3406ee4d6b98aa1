import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
  existsSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import http2 from 'node:http2';
import { tmpdir } from 'node:os';
import { Duplex } from 'node:stream';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startFaultProxy, type FaultProxy } from '../lab/fault-proxy.js';
import { generateKey, startSshd, type LabSshd } from '../lab/sshd.js';
import { resticRepoArgs as workstationRepoArgs } from '../../core/ssh/repo-args.js';
import { parsePiStatus, type PiStatus } from '../../contract/pi-status.js';
import { main } from '../../pi/src/main.js';
import { loadSecrets, parseConfig, type PiConfig } from '../../pi/src/config.js';
import { runSync, type SyncOptions, type SyncOutcome } from '../../pi/src/offsite/sync.js';

const run = promisify(execFile);

/** A request the alert receiver got: webhook posts (`/hook`) and healthchecks pings (`/hc…`). */
export interface ReceivedRequest {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json?: unknown;
}

/** The local HTTP endpoint alerts and pings go to. */
export interface AlertReceiver {
  url: string;
  requests: ReceivedRequest[];
  /** Resolves with the first request matching `pred` (already received or arriving within `ms`). */
  waitFor(pred: (r: ReceivedRequest) => boolean, ms?: number): Promise<ReceivedRequest>;
  stop(): Promise<void>;
}

export async function startAlertReceiver(): Promise<AlertReceiver> {
  const requests: ReceivedRequest[] = [];
  const waiters: { pred: (r: ReceivedRequest) => boolean; resolve: (r: ReceivedRequest) => void }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      const r: ReceivedRequest = {
        path: req.url ?? '',
        headers: req.headers,
        body,
        ...(json === undefined ? {} : { json }),
      };
      requests.push(r);
      for (const w of [...waiters])
        if (w.pred(r)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(r);
        }
      res.writeHead(200, { 'content-type': 'text/plain' }).end('OK');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  if (typeof addr !== 'object' || !addr) throw new Error('alert receiver: no address');
  return {
    url: `http://127.0.0.1:${addr.port}`,
    requests,
    waitFor(pred, ms = 10_000) {
      const hit = requests.find(pred);
      if (hit) return Promise.resolve(hit);
      return new Promise((resolve, reject) => {
        const w = { pred, resolve: (r: ReceivedRequest) => (clearTimeout(timer), resolve(r)) };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1);
          reject(
            new Error(
              `no matching alert within ${ms} ms; got: ${requests.map((r) => `${r.path} ${r.body.slice(0, 200)}`).join(' | ')}`,
            ),
          );
        }, ms);
        waiters.push(w);
      });
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Options of {@link startTwoPiLab}. */
export interface TwoPiLabOptions {
  /** Put the fault proxy between the offsite puller and the onsite sshd (default true). */
  faultProxy?: boolean;
  /** Changes to the generated restray-pi config (offsite section etc.), applied before validation. */
  configure?: (raw: RawConfig) => void;
  /** Provisioning mode of the workstation account (default append-only). */
  mode?: 'append-only' | 'sftp';
  /** Extra sshd_config lines for the onsite sshd (e.g. a restricted key exchange list). */
  sshdConfig?: string[];
}

// The config as written to disk (JSON), before zod defaults.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type RawConfig = Record<string, any>;

/** Two "Pis" on one machine: a provisioned onsite sshd with real accounts and forced commands, an offsite store. */
export interface TwoPiLab {
  /** Lab root; everything but the accounts lives here. */
  dir: string;
  onsite: {
    sshd: LabSshd;
    /** restic repository the workstation writes (through `rclone serve restic --append-only`). */
    repo: string;
    statusDir: string;
    users: { workstation: string; pull: string; status: string };
  };
  workstation: {
    /** Private key of the workstation (append-only repository key and status reader). */
    key: string;
    knownHosts: string;
    /** restic repository password (test only; the app keeps it in the keychain). */
    password: string;
    /** `-r rclone: -o rclone.program=…` arguments for restic through the append-only forced command. */
    resticRepoArgs: string[];
    /** Environment for restic with the lab password. */
    env: NodeJS.ProcessEnv;
  };
  offsite: {
    root: string;
    configPath: string;
    secretsPath: string;
    /** Validated config, as `restray-pi --config configPath` sees it. */
    config: PiConfig;
    pullKey: string;
    statusKey: string;
    knownHosts: string;
  };
  /** Between the offsite puller and the onsite sshd; undefined when disabled. */
  proxy: FaultProxy | undefined;
  alerts: AlertReceiver;
  /** Fake MTA: a `sendmail` script that appends each message to mailLog (a test double for the MTA only). */
  mail: { sendmail: string; messages(): string[] };
  /** Runs restic as the workstation (append-only). */
  restic(
    args: string[],
    opts?: { reject?: boolean },
  ): Promise<{ stdout: string; stderr: string; code: number }>;
  /** Rewrites the config file (and `offsite.config`) after a change. */
  reconfigure(change: (raw: RawConfig) => void): void;
  /**
   * One `restray-pi sync` on the offsite side with the lab's current config and secrets file; trigger `manual`
   * and no log unless `extra` says otherwise.
   */
  sync(extra?: Partial<SyncOptions>): Promise<SyncOutcome>;
  stop(): Promise<void>;
}

function runCli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  return main(argv, {
    out: (t) => void (out += `${t}\n`),
    err: (t) => void (err += `${t}\n`),
    env: process.env,
  }).then((code) => ({ code, out, err }));
}

/**
 * Starts the two-Pi lab: provisions the onsite side with `restray-pi provision onsite` (real accounts
 * `rtpi<hex>w|p|s`, forced commands `rclone serve restic --append-only`, `rrsync -ro`, `rrsync -wo`), starts
 * a real sshd for them, puts a fault proxy in front of it for the offsite puller, starts an HTTP receiver for
 * webhook alerts and healthchecks pings, installs a fake sendmail, writes the offsite config + 0600 secrets
 * file, and initialises the repository through the append-only key. Throws (never skips) when a component is
 * missing. `stop()` removes the accounts and the lab directory.
 */
export async function startTwoPiLab(opts: TwoPiLabOptions = {}): Promise<TwoPiLab> {
  const dir = mkdtempSync(join(tmpdir(), 'restray-pi-lab-'));
  // Session processes run as the lab accounts: they must traverse to the repository.
  chmodSync(dir, 0o755);
  const id = randomBytes(3).toString('hex');
  const users = { workstation: `rtpi${id}w`, pull: `rtpi${id}p`, status: `rtpi${id}s` };
  const cleanups: (() => Promise<void> | void)[] = [];
  const stop = async () => {
    for (const c of cleanups.reverse()) {
      try {
        await c();
      } catch {
        // best effort: keep cleaning
      }
    }
    cleanups.length = 0;
  };
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  cleanups.push(async () => {
    for (const u of Object.values(users)) await run('userdel', ['-r', '-f', u]).catch(() => undefined);
    for (const g of Object.values(users)) await run('groupdel', [g]).catch(() => undefined);
  });
  try {
    const keysDir = join(dir, 'keys');
    const ws = await generateKey(keysDir, 'workstation');
    const pull = await generateKey(keysDir, 'offsite-pull');
    const status = await generateKey(keysDir, 'offsite-status');
    const onsiteDir = join(dir, 'onsite');
    mkdirSync(onsiteDir, { mode: 0o755 });
    const repo = join(onsiteDir, 'repo');
    const statusDir = join(onsiteDir, 'status');
    const akStage = join(dir, 'provisioned-authorized-keys');
    const prov = await runCli([
      'provision',
      'onsite',
      '--repo',
      repo,
      '--status-dir',
      statusDir,
      '--mode',
      opts.mode ?? 'append-only',
      '--user',
      users.workstation,
      '--pull-user',
      users.pull,
      '--status-user',
      users.status,
      '--workstation-key',
      ws.publicLine,
      '--pull-key',
      pull.publicLine,
      '--status-key',
      status.publicLine,
      '--authorized-keys-dir',
      akStage,
      '--sshd-config-dir',
      join(dir, 'sshd_config.d'),
    ]);
    if (prov.code !== 0) throw new Error(`provision onsite failed (${prov.code}): ${prov.err}`);

    const authorizedKeys: Record<string, string[]> = {};
    for (const u of Object.values(users)) {
      const f = join(akStage, u);
      authorizedKeys[u] = existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter(Boolean) : [];
    }
    const sshd = await startSshd({
      users: Object.values(users),
      authorizedKeys,
      ...(opts.sshdConfig ? { extraConfig: opts.sshdConfig } : {}),
    });
    cleanups.push(() => sshd.stop());
    const proxy = opts.faultProxy === false ? undefined : await startFaultProxy(sshd.port);
    if (proxy) cleanups.push(() => proxy.stop());
    const alerts = await startAlertReceiver();
    cleanups.push(() => alerts.stop());

    const wsKnownHosts = join(dir, 'workstation-known_hosts');
    writeFileSync(wsKnownHosts, `${sshd.knownHostsLine()}\n`);
    const offsiteDir = join(dir, 'offsite');
    mkdirSync(offsiteDir, { mode: 0o700 });
    const offKnownHosts = join(offsiteDir, 'known_hosts');
    writeFileSync(
      offKnownHosts,
      `${sshd.knownHostsLine()}\n${proxy ? `${sshd.knownHostsLine('127.0.0.1', proxy.port)}\n` : ''}`,
    );

    const mailLog = join(dir, 'mail.log');
    const sendmail = join(dir, 'bin', 'sendmail');
    mkdirSync(join(dir, 'bin'));
    // Test double for the MTA only: records each message as sendmail -t -i would receive it.
    writeFileSync(sendmail, `#!/bin/sh\n{ cat; printf '\\n%s\\n' '----8<----'; } >> '${mailLog}'\n`, {
      mode: 0o755,
    });

    const secretsPath = join(offsiteDir, 'secrets.json');
    writeFileSync(
      secretsPath,
      JSON.stringify({
        'webhook-url': `${alerts.url}/hook`,
        'webhook-token': 'lab-token',
        'healthchecks-url': `${alerts.url}/hc`,
      }),
      {
        mode: 0o600,
      },
    );
    const raw: RawConfig = {
      version: 1,
      name: 'lab',
      secretsFile: secretsPath,
      offsite: {
        root: join(offsiteDir, 'store'),
        mode: 'pull',
        source: {
          host: '127.0.0.1',
          port: proxy?.port ?? sshd.port,
          user: users.pull,
          sshKey: pull.privatePath,
          knownHosts: offKnownHosts,
        },
        publish: {
          host: '127.0.0.1',
          port: sshd.port,
          user: users.status,
          sshKey: status.privatePath,
          knownHosts: offKnownHosts,
        },
        locks: { waitSeconds: 20, pollSeconds: 0.2, staleAfterMinutes: 30 },
        verify: { rotationRuns: 4, concurrency: 2, resticCheck: false, resticPath: 'restic' },
      },
      alerts: {
        webhook: true,
        healthchecks: true,
        mail: { to: ['admin@example.org'], sendmail },
        timeoutMs: 5_000,
        repeatAfterHours: 0,
      },
    };
    opts.configure?.(raw);
    const configPath = join(offsiteDir, 'config.json');
    const write = () => {
      writeFileSync(configPath, JSON.stringify(raw, null, 2));
      return parseConfig(raw, configPath);
    };
    const offsite = {
      root: raw.offsite.root as string,
      configPath,
      secretsPath,
      config: write(),
      pullKey: pull.privatePath,
      statusKey: status.privatePath,
      knownHosts: offKnownHosts,
    };

    const password = `lab-${randomBytes(8).toString('hex')}`;
    // The workstation reaches the onsite Pi exactly as Restray does (core's repository arguments).
    const resticRepoArgs = workstationRepoArgs({
      kind: 'append-only',
      path: '/',
      user: users.workstation,
      host: '127.0.0.1',
      port: sshd.port,
      sshKey: ws.privatePath,
      knownHosts: wsKnownHosts,
    });
    const env = {
      ...process.env,
      RESTIC_PASSWORD: password,
      RESTIC_PASSWORD_FILE: '',
      RESTIC_PASSWORD_COMMAND: '',
      RESTIC_CACHE_DIR: join(dir, 'restic-cache'),
      RESTIC_PROGRESS_FPS: '0.1',
    };
    const restic: TwoPiLab['restic'] = async (args, o) => {
      try {
        const r = await run('restic', [...resticRepoArgs, ...args], { env, maxBuffer: 64 * 1024 * 1024 });
        return { stdout: r.stdout, stderr: r.stderr, code: 0 };
      } catch (e) {
        const x = e as { stdout?: string; stderr?: string; code?: number };
        if (o?.reject !== false) throw new Error(`restic ${args.join(' ')} failed (${x.code}): ${x.stderr}`);
        return {
          stdout: x.stdout ?? '',
          stderr: x.stderr ?? '',
          code: typeof x.code === 'number' ? x.code : 1,
        };
      }
    };
    await restic(['init']);

    return {
      dir,
      onsite: { sshd, repo, statusDir, users },
      workstation: { key: ws.privatePath, knownHosts: wsKnownHosts, password, resticRepoArgs, env },
      offsite,
      proxy,
      alerts,
      mail: {
        sendmail,
        messages: () =>
          existsSync(mailLog)
            ? readFileSync(mailLog, 'utf8')
                .split('\n----8<----\n')
                .filter((m) => m.trim())
            : [],
      },
      restic,
      reconfigure(change) {
        change(raw);
        offsite.config = write();
      },
      sync: (extra = {}) =>
        runSync({
          config: offsite.config,
          offsite: offsite.config.offsite!,
          secrets: loadSecrets(offsite.secretsPath),
          trigger: 'manual',
          log: () => undefined,
          ...extra,
        }),
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Writes `count` files of incompressible random data (`size` bytes each) under `dir`; returns their names. */
export function writeRandomFiles(dir: string, count: number, size: number, prefix = 'f'): string[] {
  mkdirSync(dir, { recursive: true });
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const name = `${prefix}${i}.bin`;
    writeFileSync(join(dir, name), randomBytes(size));
    names.push(name);
  }
  return names;
}

/** One raw HTTP request to `rclone serve restic` (a path as sent on the wire: `%2e` stays encoded). */
export interface RcloneRequest {
  method: 'GET' | 'HEAD' | 'POST' | 'DELETE';
  /** The request path after the leading `/`, sent as it is (e.g. `data/ab12…`, `%2e%2e/x`). */
  path: string;
  body?: Buffer;
}

/**
 * Sends requests through the workstation's append-only key, as a hostile workstation could: HTTP/2 over the
 * key's forced command (`rclone serve restic --stdio --append-only`), without restic, all in one ssh session
 * (one after another). Returns each response's status and body (at most 64 KiB of it).
 */
export async function requestsThroughAppendOnlyKey(
  lab: TwoPiLab,
  requests: readonly RcloneRequest[],
): Promise<{ status: number; body: Buffer }[]> {
  const program = lab.workstation.resticRepoArgs.find((a) => a.startsWith('rclone.program='))!;
  const [cmd, ...args] = program.slice('rclone.program='.length).split(' ');
  const child = spawn(cmd!, args, { stdio: ['pipe', 'pipe', 'ignore'] });
  const session = http2.connect('http://localhost', {
    createConnection: () => Duplex.from({ readable: child.stdout, writable: child.stdin }),
  });
  try {
    const out: { status: number; body: Buffer }[] = [];
    for (const r of requests)
      out.push(
        await new Promise<{ status: number; body: Buffer }>((resolve, reject) => {
          session.once('error', reject);
          const req = session.request({
            ':method': r.method,
            ':path': `/${r.path}`,
            ...(r.body ? { 'content-type': 'application/octet-stream' } : {}),
          });
          let status = 0;
          const chunks: Buffer[] = [];
          let size = 0;
          req.on('response', (h) => (status = Number(h[':status'])));
          req.on('data', (c: Buffer) => {
            if (size < 65_536) chunks.push(c);
            size += c.length;
          });
          req.on('end', () => {
            session.off('error', reject);
            resolve({ status, body: Buffer.concat(chunks) });
          });
          req.on('error', reject);
          req.end(r.body);
        }),
      );
    return out;
  } finally {
    session.close();
    child.stdin.end();
    await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)));
  }
}

/**
 * Writes `bytes` under `path` (e.g. `data/ab/ab12…`) through the workstation's append-only key (one POST, see
 * {@link requestsThroughAppendOnlyKey}). Returns the HTTP status.
 */
export async function postThroughAppendOnlyKey(lab: TwoPiLab, path: string, bytes: Buffer): Promise<number> {
  const [r] = await requestsThroughAppendOnlyKey(lab, [{ method: 'POST', path, body: bytes }]);
  return r!.status;
}

/** Lists a directory tree's regular files (relative paths), sorted. */
/**
 * A status document as restray-pi stores and publishes it (the signed envelope, or an older unsigned one),
 * parsed to the status; the signature is not checked here (core/status/status-trust.ts does). Throws when the
 * file is missing or not a valid status.
 */
export function readStatusFile(path: string): PiStatus {
  const r = parsePiStatus(JSON.parse(readFileSync(path, 'utf8')));
  if (!r.ok) throw new Error(`${path}: ${r.message}`);
  return r.status;
}

export function listTree(root: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of readdirSync(join(root, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else out.push(r);
    }
  };
  walk('');
  return out.sort();
}

/** Polls `cond` until it holds or `ms` pass (then throws with `what`). For conditions no event reports. */
export async function waitUntil(
  cond: () => boolean | Promise<boolean>,
  ms: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The offsite side of push mode: a second sshd with the push account, and the onsite config that reaches it. */
export interface PushTarget {
  sshd: LabSshd;
  /** The push account (forced command rrsync -wo -no-del -no-overwrite <incoming>). */
  user: string;
  /** offsite.incoming: where the push key may add files. */
  incoming: string;
  pushKey: string;
  knownHosts: string;
  /** restray-pi config of the onsite Pi (onsite.repository + onsite.push). */
  onsiteConfigPath: string;
  stop(): Promise<void>;
}

/**
 * Adds push mode to a two-Pi lab: provisions the offsite push account with `restray-pi provision offsite`
 * (real account `rtpi<hex>x`, its incoming directory, the forced command), starts an "offsite" sshd for it,
 * writes the onsite config for `restray-pi push`, and switches the lab's offsite config to mode push.
 * `stop()` removes the sshd and the account (the lab's own stop() removes the rest).
 */
export async function startPushTarget(lab: TwoPiLab): Promise<PushTarget> {
  const user = `${lab.onsite.users.pull.slice(0, -1)}x`;
  const stops: (() => Promise<unknown>)[] = [
    () => run('userdel', ['-r', '-f', user]).catch(() => undefined),
    () => run('groupdel', [user]).catch(() => undefined),
  ];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
    stops.length = 0;
  };
  try {
    const key = await generateKey(join(lab.dir, 'keys'), 'onsite-push');
    const incoming = join(lab.dir, 'offsite-incoming');
    const akDir = join(lab.dir, 'push-authorized-keys');
    const prov = await runCli([
      'provision',
      'offsite',
      '--incoming',
      incoming,
      '--push-key',
      key.publicLine,
      '--push-user',
      user,
      '--authorized-keys-dir',
      akDir,
    ]);
    if (prov.code !== 0) throw new Error(`provision offsite failed (${prov.code}): ${prov.err}`);
    const sshd = await startSshd({
      users: [user],
      authorizedKeys: { [user]: readFileSync(join(akDir, user), 'utf8').split('\n').filter(Boolean) },
    });
    stops.push(() => sshd.stop());
    const knownHosts = join(lab.dir, 'onsite', 'push-known_hosts');
    writeFileSync(knownHosts, `${sshd.knownHostsLine()}\n`);
    const onsiteConfigPath = join(lab.dir, 'onsite', 'config.json');
    writeFileSync(
      onsiteConfigPath,
      JSON.stringify({
        version: 1,
        name: 'lab',
        secretsFile: join(lab.dir, 'onsite', 'secrets.json'),
        onsite: {
          repository: lab.onsite.repo,
          push: {
            target: { host: '127.0.0.1', port: sshd.port, user, sshKey: key.privatePath, knownHosts },
            lockWaitSeconds: 5,
          },
        },
      }),
    );
    lab.reconfigure((c) => {
      c.offsite.mode = 'push';
      c.offsite.incoming = incoming;
    });
    return { sshd, user, incoming, pushKey: key.privatePath, knownHosts, onsiteConfigPath, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
