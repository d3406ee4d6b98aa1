import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main as restrayPi } from '../../pi/src/main.js';
import { dropInPath } from '../../pi/src/provision.js';
import { classify } from '../../pi/src/repo-files.js';
import { generateKey, startSshd, type LabSshd } from '../lab/sshd.js';
import {
  listTree,
  requestsThroughAppendOnlyKey,
  startTwoPiLab,
  writeRandomFiles,
  type RcloneRequest,
  type TwoPiLab,
} from './lab-two-pi.js';

/*
 * The access matrix of both Pis, over real ssh: every account (onsite: workstation, pull, status; offsite: restore,
 * run account), every action it may or may not take. One lab; each row is one or a few cheap ssh calls.
 * The offsite side here is real too: the store lies outside /tmp (sshd refuses a chroot below a world-writable
 * folder), provisioned by `restray-pi provision offsite`, its sshd reads the chroot drop-in provision wrote, and
 * the sync runs as the unprivileged run account through the bundle (`runuser`), not as root.
 */

const run = promisify(execFile);
const BUNDLE = resolve('dist/pi/restray-pi.mjs');

/** A program's exit code and output (stdout and stderr), stdin closed; never throws for a non-zero exit. */
async function attempt(cmd: string, args: string[], env?: NodeJS.ProcessEnv) {
  const r = await execa(cmd, args, {
    reject: false,
    stdin: 'ignore',
    timeout: 60_000,
    all: true,
    ...(env ? { env } : {}),
  });
  return { code: r.exitCode ?? -1, out: String(r.all ?? ''), timedOut: r.timedOut };
}

type Host = 'onsite' | 'offsite';
type Who = 'workstation' | 'pull' | 'status' | 'restore' | 'run';
/** What a row expects: the action works, or it is refused (and `check` proves nothing happened). */
interface Row {
  who: Who;
  action: string;
  expect: 'allowed' | 'refused';
  probe: () => Promise<void>;
}

describe('access matrix of both Pis (real ssh, every account)', () => {
  let lab: TwoPiLab;
  let offsiteSshd: LabSshd;
  const id = randomBytes(3).toString('hex');
  const runUser = `rtam${id}o`;
  const restoreUser = `rtam${id}r`;
  // Outside /tmp: every folder above a ChrootDirectory must be root's and writable by nobody else.
  const base = `/var/lib/restray-access-${id}`;
  const store = join(base, 'lab');
  const otherStore = join(base, 'other');
  const canary = `CANARY-${randomBytes(8).toString('hex')}`;
  let runDir: string;
  let runConfig: string;
  let restoreKey: string;
  const cleanups: (() => Promise<unknown> | void)[] = [];

  const sshBase = (key: string, port: number, knownHosts: string) => [
    '-F',
    '/dev/null',
    '-i',
    key,
    '-p',
    String(port),
    '-o',
    'BatchMode=yes',
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    `UserKnownHostsFile=${knownHosts}`,
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'ConnectTimeout=20',
  ];
  /** Key and server of each account. */
  const login = (who: Who): { key: string; user: string; port: number; knownHosts: string } => {
    const onsite = { port: lab.onsite.sshd.port, knownHosts: lab.workstation.knownHosts };
    const offsite = { port: offsiteSshd.port, knownHosts: join(lab.dir, 'offsite-sshd-known_hosts') };
    switch (who) {
      case 'workstation':
        return { key: lab.workstation.key, user: lab.onsite.users.workstation, ...onsite };
      case 'pull':
        return { key: lab.offsite.pullKey, user: lab.onsite.users.pull, ...onsite };
      case 'status':
        return { key: lab.offsite.statusKey, user: lab.onsite.users.status, ...onsite };
      case 'restore':
        return { key: restoreKey, user: restoreUser, ...offsite };
      case 'run':
        // The run account has no key: try the keys that exist (the restore key, which is on the offsite Pi).
        return { key: restoreKey, user: runUser, ...offsite };
    }
  };
  const ssh = (who: Who, opts: string[], ...cmd: string[]) => {
    const l = login(who);
    return attempt('ssh', [...sshBase(l.key, l.port, l.knownHosts), ...opts, `${l.user}@127.0.0.1`, ...cmd]);
  };
  const rsyncAs = (who: Who, ...args: string[]) => {
    const l = login(who);
    return attempt('rsync', ['-e', ['ssh', ...sshBase(l.key, l.port, l.knownHosts)].join(' '), ...args]);
  };
  /** An sftp batch as `who` (`-b -`: a failing command ends the batch with a non-zero exit). */
  const sftp = (who: Who, batch: string) => {
    const l = login(who);
    const file = join(lab.dir, `sftp-${randomBytes(4).toString('hex')}`);
    writeFileSync(file, `${batch}\n`);
    const args = sshBase(l.key, l.port, l.knownHosts).map((a) => (a === '-p' ? '-P' : a));
    return attempt('sftp', ['-b', file, ...args, `${l.user}@127.0.0.1`]);
  };
  const asRunUser = (...cmd: string[]) => attempt('runuser', ['-u', runUser, '--', ...cmd]);
  const syncAsRunUser = () => asRunUser(process.execPath, BUNDLE, 'sync', '--config', runConfig);
  const generations = () => readdirSync(join(store, 'generations')).sort();
  /** Everything under the onsite Pi's folders except the repository (where nothing may appear or change). */
  const outsideRepo = () =>
    listTree(join(lab.dir, 'onsite')).filter((f) => !f.startsWith('repo/') && f !== 'repo');

  beforeAll(async () => {
    if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run node scripts/build-node.mjs first`);
    lab = await startTwoPiLab({ faultProxy: false });
    cleanups.push(() => lab.stop());
    for (const u of [runUser, restoreUser])
      cleanups.push(async () => {
        await run('userdel', ['-r', '-f', u]).catch(() => undefined);
        await run('groupdel', [u]).catch(() => undefined);
      });
    cleanups.push(() => rmSync(base, { recursive: true, force: true }));
    writeFileSync(join(lab.dir, 'onsite', 'canary.txt'), canary, { mode: 0o644 });
    writeRandomFiles(join(lab.dir, 'ws'), 3, 50_000);
    await lab.restic(['backup', '--host', 'ws', join(lab.dir, 'ws')]);

    // The offsite Pi, as provision makes it.
    mkdirSync(base, { mode: 0o755 });
    chmodSync(base, 0o755);
    const restore = await generateKey(join(lab.dir, 'keys'), 'offsite-restore');
    restoreKey = restore.privatePath;
    const akDir = join(lab.dir, 'offsite-authorized-keys');
    const dropIns = join(lab.dir, 'offsite-sshd_config.d');
    let err = '';
    const code = await restrayPi(
      [
        'provision',
        'offsite',
        '--root',
        store,
        '--offsite-user',
        runUser,
        '--restore-user',
        restoreUser,
        '--restore-key',
        restore.publicLine,
        '--authorized-keys-dir',
        akDir,
        '--sshd-config-dir',
        dropIns,
      ],
      { out: () => undefined, err: (t) => void (err += t), env: process.env },
    );
    if (code !== 0) throw new Error(`provision offsite failed (${code}): ${err}`);
    offsiteSshd = await startSshd({
      users: [restoreUser, runUser],
      authorizedKeys: {
        [restoreUser]: readFileSync(join(akDir, restoreUser), 'utf8').split('\n').filter(Boolean),
      },
      // The drop-in exactly as provision wrote it (a Match block: last in the config).
      extraConfig: readFileSync(dropInPath(dropIns, restoreUser), 'utf8').split('\n'),
    });
    cleanups.push(() => offsiteSshd.stop());
    writeFileSync(join(lab.dir, 'offsite-sshd-known_hosts'), `${offsiteSshd.knownHostsLine()}\n`);
    // Another repository's store on the same offsite Pi, world-readable: the restore account must not reach it.
    mkdirSync(join(otherStore, 'generations', '20250101T000000Z'), { recursive: true, mode: 0o755 });
    writeFileSync(join(otherStore, 'generations', '20250101T000000Z', 'config'), canary, { mode: 0o644 });

    // The run account's own copy of the offsite configuration: keys, known_hosts and secrets it owns.
    const { uid, gid } = statSync(join('/var/lib', runUser));
    runDir = join(lab.dir, 'offsite-run');
    mkdirSync(runDir, { mode: 0o700 });
    const own = (path: string, mode: number) => {
      chownSync(path, uid, gid);
      chmodSync(path, mode);
    };
    own(runDir, 0o700);
    const raw = JSON.parse(readFileSync(lab.offsite.configPath, 'utf8')) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    for (const [name, from] of [
      ['pull_ed25519', lab.offsite.pullKey],
      ['status_ed25519', lab.offsite.statusKey],
      ['known_hosts', lab.offsite.knownHosts],
      ['secrets.json', lab.offsite.secretsPath],
    ] as const) {
      copyFileSync(from, join(runDir, name));
      own(join(runDir, name), name === 'known_hosts' ? 0o644 : 0o600);
    }
    raw.secretsFile = join(runDir, 'secrets.json');
    raw.offsite.root = store;
    raw.offsite.retention = { keepLast: 1 };
    raw.offsite.source.sshKey = join(runDir, 'pull_ed25519');
    raw.offsite.publish.sshKey = join(runDir, 'status_ed25519');
    raw.offsite.source.knownHosts = raw.offsite.publish.knownHosts = join(runDir, 'known_hosts');
    runConfig = join(runDir, 'config.json');
    writeFileSync(runConfig, JSON.stringify(raw));
    own(runConfig, 0o600);

    // Two runs as the run account: the second promotes a new generation and retention removes the first
    // (a sealed, read-only generation the account must unseal to delete).
    const first = await syncAsRunUser();
    if (first.code !== 0) throw new Error(`sync as ${runUser} failed (${first.code}): ${first.out}`);
    writeRandomFiles(join(lab.dir, 'ws'), 1, 20_000, 'g');
    await lab.restic(['backup', '--host', 'ws', join(lab.dir, 'ws')]);
    const second = await syncAsRunUser();
    if (second.code !== 0)
      throw new Error(`second sync as ${runUser} failed (${second.code}): ${second.out}`);
  }, 300_000);

  afterAll(async () => {
    for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => undefined);
  });

  describe('the offsite run account', () => {
    it('ran pull, promotion and retention without root and owns everything it wrote', () => {
      expect(generations()).toHaveLength(1);
      const { uid } = statSync(join('/var/lib', runUser));
      expect(statSync(store).uid).toBe(0);
      for (const f of listTree(store)) {
        const path = join(store, f);
        if (f.startsWith(store.slice(1))) continue; // the chroot's alias of the store's own path (root's)
        expect(lstatSync(path).uid, path).toBe(uid);
      }
    });

    it('keeps the store as provision made it: provisioning again changes nothing', async () => {
      let out = '';
      const code = await restrayPi(
        [
          'provision',
          'offsite',
          '--root',
          store,
          '--offsite-user',
          runUser,
          '--restore-user',
          restoreUser,
          '--restore-key',
          `${restoreKey}.pub`,
          '--authorized-keys-dir',
          join(lab.dir, 'offsite-authorized-keys'),
          '--sshd-config-dir',
          join(lab.dir, 'offsite-sshd_config.d'),
          '--dry-run',
        ],
        { out: (t) => void (out += `${t}\n`), err: (t) => void (out += `${t}\n`), env: process.env },
      );
      expect(code).toBe(0);
      expect(out).toMatch(/^Nothing to change/);
    });

    it('promoted a read-only generation: directories 0555, files 0444', () => {
      const gen = join(store, 'generations', generations()[0]!);
      const walk = (d: string): void => {
        expect(statSync(d).mode & 0o777, d).toBe(0o555);
        for (const e of readdirSync(d, { withFileTypes: true }))
          if (e.isDirectory()) walk(join(d, e.name));
          else expect(statSync(join(d, e.name)).mode & 0o777, join(d, e.name)).toBe(0o444);
      };
      walk(gen);
    });

    it('cannot add, overwrite, delete or rename a file of a generation without first lifting its modes', async () => {
      const gen = join(store, 'generations', generations()[0]!);
      const before = listTree(gen);
      const snap = readdirSync(join(gen, 'snapshots'))[0]!;
      for (const cmd of [
        `echo x > '${gen}/snapshots/new'`,
        `echo x > '${gen}/config'`,
        `rm -f '${gen}/snapshots/${snap}'`,
        `mv '${gen}/snapshots/${snap}' '${gen}/snapshots/x'`,
        `rm -rf '${gen}'`,
      ])
        expect((await asRunUser('sh', '-c', cmd)).code, cmd).not.toBe(0);
      expect(listTree(gen)).toEqual(before);
      expect(readdirSync(join(gen, 'snapshots'))).toContain(snap);
    });

    it('is the only one who runs the store: root is refused, so root never leaves a file of its own there', async () => {
      const before = listTree(store);
      for (const cmd of [['sync'], ['prune'], ['approve'], ['reverify']]) {
        let err = '';
        const code = await restrayPi([...cmd, '--config', runConfig], {
          out: () => undefined,
          err: (t) => void (err += t),
          env: { ...process.env, LANG: 'C' },
        });
        expect(code, cmd[0]).not.toBe(0);
        expect(err).toContain(`belongs to ${runUser}: run it as that account (sudo -u ${runUser} restray-pi`);
      }
      expect(listTree(store)).toEqual(before);
    });

    it('has no ssh login at all', async () => {
      const r = await ssh('run', [], 'id');
      expect(r.code).toBe(255);
      expect(r.out).toMatch(/Permission denied/);
    });
  });

  it('the restore account restores with restic through its chroot, by the store path the workstation knows', async () => {
    const l = login('restore');
    const sftpCommand = ['ssh', ...sshBase(l.key, l.port, l.knownHosts), `${l.user}@127.0.0.1`, '-s', 'sftp'];
    const gen = generations()[0]!;
    for (const path of [`${store}/generations/${gen}`, `/generations/${gen}`]) {
      const target = join(lab.dir, `restored-${randomBytes(3).toString('hex')}`);
      const r = await attempt(
        'restic',
        [
          '-r',
          `sftp:${l.user}@127.0.0.1:${path}`,
          '-o',
          `sftp.command=${sftpCommand.join(' ')}`,
          '--no-lock',
          'restore',
          'latest',
          '--target',
          target,
        ],
        lab.workstation.env,
      );
      expect(r.code, r.out).toBe(0);
      expect(listTree(target).some((f) => f.endsWith('g0.bin'))).toBe(true);
    }
  });

  // Rows: every account, every action. `refused` rows also prove nothing changed where it matters.
  const shellRefused = (who: Who) => async () => {
    const r = await ssh(who, [], 'id; cat /etc/passwd');
    expect(r.out).not.toMatch(/uid=\d+|root:x:0:0/);
  };
  const ptyRefused = (who: Who) => async () => {
    const r = await ssh(who, ['-tt'], 'id');
    expect(r.out).not.toMatch(/uid=\d+/);
  };
  const localForwardRefused = (who: Who) => async () => {
    // -W: a direct-tcpip channel to the onsite sshd itself; a banner back would mean the tunnel works.
    const r = await ssh(who, ['-W', `127.0.0.1:${lab.onsite.sshd.port}`]);
    expect(r.out).not.toMatch(/SSH-2\.0-/);
    expect(r.code).not.toBe(0);
  };
  const remoteForwardRefused = (who: Who) => async () => {
    const r = await ssh(who, ['-N', '-o', 'ExitOnForwardFailure=yes', '-R', '0:127.0.0.1:9']);
    expect(r.timedOut).toBe(false);
    expect(r.code).not.toBe(0);
  };
  const x11Refused = (who: Who) => async () => {
    const l = login(who);
    const r = await attempt(
      'ssh',
      // -Y (trusted): without xauth data ssh sends fake credentials, so the request itself reaches sshd.
      [...sshBase(l.key, l.port, l.knownHosts), '-Y', `${l.user}@127.0.0.1`, 'true'],
      { ...process.env, DISPLAY: '127.0.0.1:0' },
    );
    expect(r.out).toMatch(/X11 forwarding request failed/);
  };
  const forwarding = (who: Who): Row[] => [
    { who, action: 'a shell command', expect: 'refused', probe: shellRefused(who) },
    { who, action: 'a PTY', expect: 'refused', probe: ptyRefused(who) },
    { who, action: 'local port forwarding (-W)', expect: 'refused', probe: localForwardRefused(who) },
    { who, action: 'remote port forwarding (-R)', expect: 'refused', probe: remoteForwardRefused(who) },
    { who, action: 'X11 forwarding', expect: 'refused', probe: x11Refused(who) },
  ];

  /** Requests through the append-only key that must be refused, with nothing read or written outside. */
  const TRAVERSAL = [
    '../canary.txt',
    '%2e%2e/canary.txt',
    '.%2e/canary.txt',
    '%2e%2e%2fcanary.txt',
    '..%2fcanary.txt',
    'a/../../canary.txt',
    'data/..%2f..%2fcanary.txt',
    'data/%2e%2e/%2e%2e/canary.txt',
    '%2fetc%2fpasswd',
    '/etc/passwd',
    'data/%2e%2e%2f%2e%2e%2f..%2fetc%2fpasswd',
  ];
  const rows: Row[] = [
    // Onsite: the workstation key (rclone serve restic --append-only).
    {
      who: 'workstation',
      action: 'restic lists and adds snapshots',
      expect: 'allowed',
      probe: async () => {
        const snaps = JSON.parse((await lab.restic(['snapshots', '--json'])).stdout) as unknown[];
        expect(snaps.length).toBeGreaterThanOrEqual(2);
      },
    },
    ...forwarding('workstation'),
    {
      who: 'workstation',
      action: 'other commands (rm, sh) run instead of rclone',
      expect: 'refused',
      probe: async () => {
        const before = listTree(lab.onsite.repo);
        await ssh('workstation', [], 'rm', '-rf', lab.onsite.repo);
        await ssh('workstation', [], 'sh', '-c', `touch ${lab.dir}/onsite/pwned`);
        expect(listTree(lab.onsite.repo)).toEqual(before);
        expect(existsSync(join(lab.dir, 'onsite', 'pwned'))).toBe(false);
      },
    },
    {
      who: 'workstation',
      action: 'path traversal and encoded dots: read outside the repository',
      expect: 'refused',
      probe: async () => {
        const reqs: RcloneRequest[] = TRAVERSAL.flatMap((path) => [
          { method: 'GET' as const, path },
          { method: 'HEAD' as const, path },
        ]);
        const res = await requestsThroughAppendOnlyKey(lab, reqs);
        res.forEach((r, n) => {
          expect(r.status, `${reqs[n]!.method} /${reqs[n]!.path}`).not.toBe(200);
          expect(r.body.toString('latin1')).not.toMatch(new RegExp(`${canary}|root:x:0:0`));
        });
      },
    },
    {
      who: 'workstation',
      action: 'path traversal and encoded dots: write or delete outside the repository',
      expect: 'refused',
      probe: async () => {
        const before = outsideRepo();
        const repoBefore = listTree(lab.onsite.repo);
        const reqs: RcloneRequest[] = TRAVERSAL.flatMap((path) => [
          {
            method: 'POST' as const,
            path: path.replace(/canary\.txt|passwd$/, 'written'),
            body: Buffer.from('x'),
          },
          { method: 'DELETE' as const, path },
        ]);
        const res = await requestsThroughAppendOnlyKey(lab, reqs);
        // Every delete is refused. Writes: rclone 1.60 refuses some forms (403) and takes others (a plain `..`,
        // `%2f`) as names, stored inside the repository with fullwidth dots (．．/written) where restic and the
        // offsite pull (which copies only restic's own names) never look. Nothing lands outside.
        res.forEach((r, n) => {
          const { method, path } = reqs[n]!;
          if (method === 'DELETE') expect(r.status, `${method} /${path}`).toBe(403);
        });
        expect(outsideRepo()).toEqual(before);
        expect(readFileSync(join(lab.dir, 'onsite', 'canary.txt'), 'utf8')).toBe(canary);
        expect(existsSync('/written') || existsSync('/etc/written')).toBe(false);
        const added = listTree(lab.onsite.repo).filter((f) => !repoBefore.includes(f));
        for (const f of added) expect(classify(f), f).toBe('other');
        expect(repoBefore.every((f) => listTree(lab.onsite.repo).includes(f))).toBe(true);
        // And none of it reaches the offsite Pi.
        const r = await syncAsRunUser();
        expect(r.code, r.out).toBe(0);
        const newest = join(store, 'generations', generations().at(-1)!);
        for (const f of listTree(newest)) expect(classify(f), f).not.toBe('other');
      },
    },
    {
      who: 'workstation',
      action: 'delete or overwrite a snapshot, an index, a pack or the config',
      expect: 'refused',
      probe: async () => {
        const repoFiles = listTree(lab.onsite.repo).filter((f) => !f.startsWith('locks/'));
        const pick = [
          'config',
          ...['snapshots/', 'index/', 'data/', 'keys/'].map((d) => repoFiles.find((f) => f.startsWith(d))!),
        ];
        const res = await requestsThroughAppendOnlyKey(
          lab,
          pick.flatMap((path) => [
            { method: 'DELETE' as const, path: path.replace(/^data\/[0-9a-f]{2}\//, 'data/') },
            { method: 'DELETE' as const, path },
            { method: 'POST' as const, path, body: Buffer.from('overwritten') },
            {
              method: 'POST' as const,
              path: path.replace(/^data\/[0-9a-f]{2}\//, 'data/'),
              body: Buffer.from('overwritten'),
            },
          ]),
        );
        for (const r of res) expect(r.status).toBeGreaterThanOrEqual(300);
        expect(listTree(lab.onsite.repo).filter((f) => !f.startsWith('locks/'))).toEqual(repoFiles);
        for (const f of pick)
          expect(readFileSync(join(lab.onsite.repo, f), 'latin1')).not.toBe('overwritten');
      },
    },

    // Onsite: the offsite Pi's pull key (rrsync -ro and the listing).
    {
      who: 'pull',
      action: 'read the repository (the two syncs above)',
      expect: 'allowed',
      probe: async () => {
        const r = await rsyncAs('pull', '--list-only', `${lab.onsite.users.pull}@127.0.0.1:snapshots/`);
        expect(r.code, r.out).toBe(0);
      },
    },
    ...forwarding('pull'),
    {
      who: 'pull',
      action: 'read outside the repository',
      expect: 'refused',
      probe: async () => {
        const u = lab.onsite.users.pull;
        for (const src of [
          '/etc/passwd',
          '../canary.txt',
          '../../etc/passwd',
          '../',
          'data/../../canary.txt',
        ]) {
          const dst = join(lab.dir, `leak-${randomBytes(3).toString('hex')}`);
          const r = await rsyncAs('pull', '-r', `${u}@127.0.0.1:${src}`, dst);
          expect(r.out, src).not.toMatch(new RegExp(`${canary}|root:x:0:0`));
          expect(existsSync(dst) ? listTree(dst).filter((f) => /canary|passwd/.test(f)) : [], src).toEqual(
            [],
          );
        }
      },
    },
    {
      who: 'pull',
      action: 'write, overwrite or delete in the repository',
      expect: 'refused',
      probe: async () => {
        const u = lab.onsite.users.pull;
        const before = listTree(lab.onsite.repo);
        const probe = join(lab.dir, 'probe');
        writeFileSync(probe, 'x');
        const empty = join(lab.dir, 'empty');
        mkdirSync(empty, { recursive: true });
        expect((await rsyncAs('pull', probe, `${u}@127.0.0.1:probe`)).code).not.toBe(0);
        expect((await rsyncAs('pull', probe, `${u}@127.0.0.1:config`)).code).not.toBe(0);
        expect(
          (await rsyncAs('pull', '-r', '--delete', `${empty}/`, `${u}@127.0.0.1:snapshots/`)).code,
        ).not.toBe(0);
        expect((await ssh('pull', [], 'rm', '-rf', lab.onsite.repo)).code).not.toBe(0);
        expect(listTree(lab.onsite.repo)).toEqual(before);
      },
    },

    // Onsite: the status account (the offsite status key replaces offsite.json; workstations read it).
    {
      who: 'status',
      action: 'replace offsite.json (the syncs above published it)',
      expect: 'allowed',
      probe: async () => {
        expect(existsSync(join(lab.onsite.statusDir, 'offsite.json'))).toBe(true);
      },
    },
    ...forwarding('status'),
    {
      who: 'status',
      action: 'write anything else, or read outside offsite.json',
      expect: 'refused',
      probe: async () => {
        const before = outsideRepo();
        const r = await ssh('status', [], 'sh', '-c', `'cat /etc/passwd; touch ${lab.dir}/onsite/pwned'`);
        expect(r.out).not.toMatch(/root:x:0:0/);
        const u = lab.onsite.users.status;
        expect((await rsyncAs('status', join(lab.dir, 'probe'), `${u}@127.0.0.1:x`)).code).not.toBe(0);
        expect(outsideRepo()).toEqual(before);
      },
    },

    // Offsite: the restore account (read-only internal-sftp, chrooted into its own store).
    {
      who: 'restore',
      action: 'list the generations and read the status',
      expect: 'allowed',
      probe: async () => {
        const r = await sftp(
          'restore',
          `ls -1 /generations\nget /state/status.json ${join(lab.dir, 'status-copy.json')}`,
        );
        expect(r.code, r.out).toBe(0);
        expect(r.out).toContain(generations()[0]);
        expect(existsSync(join(lab.dir, 'status-copy.json'))).toBe(true);
      },
    },
    ...forwarding('restore').filter((r) => r.action !== 'X11 forwarding'),
    {
      who: 'restore',
      action: 'see anything outside its own store (system files, another repository, .. escapes)',
      expect: 'refused',
      probe: async () => {
        const root = await sftp('restore', 'ls -1a /');
        expect(root.code, root.out).toBe(0);
        const listed = root.out
          .split('\n')
          .filter((l) => !l.startsWith('sftp>'))
          .map((l) => l.trim().replace(/^\/+/, ''))
          .filter(Boolean);
        expect(listed.filter((n) => !['.', '..'].includes(n)).sort()).toEqual(readdirSync(store).sort());
        for (const path of [
          '/etc/passwd',
          '../../../../etc/passwd',
          '/generations/../../etc/passwd',
          `${otherStore}/generations/20250101T000000Z/config`,
          `../other/generations/20250101T000000Z/config`,
        ]) {
          const dst = join(lab.dir, `leak-${randomBytes(3).toString('hex')}`);
          const r = await sftp('restore', `get ${path} ${dst}`);
          expect(r.code, path).not.toBe(0);
          expect(existsSync(dst), path).toBe(false);
        }
      },
    },
    {
      who: 'restore',
      action: "read its store's private parts (signing key, staging, trash)",
      expect: 'refused',
      probe: async () => {
        for (const path of ['/signing/status-ed25519.pem', '/staging', '/trash']) {
          const dst = join(lab.dir, `leak-${randomBytes(3).toString('hex')}`);
          const r = await sftp('restore', `get -r ${path} ${dst}`);
          expect(r.code, path).not.toBe(0);
          expect(
            existsSync(dst) && statSync(dst).isFile() ? readFileSync(dst, 'utf8') : '',
            path,
          ).not.toMatch(/PRIVATE KEY/);
        }
      },
    },
    {
      who: 'restore',
      action: 'write, overwrite, rename or delete',
      expect: 'refused',
      probe: async () => {
        const before = listTree(store);
        const gen = `/generations/${generations()[0]}`;
        const snap = readdirSync(join(store, gen, 'snapshots'))[0]!;
        writeFileSync(join(lab.dir, 'probe'), 'x');
        for (const cmd of [
          `put ${join(lab.dir, 'probe')} /generations/probe`,
          `put ${join(lab.dir, 'probe')} ${gen}/config`,
          `rm ${gen}/snapshots/${snap}`,
          `rename ${gen}/snapshots/${snap} ${gen}/snapshots/x`,
          `mkdir ${gen}/locks/x`,
          `chmod 777 ${gen}/config`,
          `rmdir ${gen}/locks`,
        ])
          expect((await sftp('restore', cmd)).code, cmd).not.toBe(0);
        expect(listTree(store)).toEqual(before);
      },
    },
  ];

  it.each(rows.map((r) => [`${r.who}: ${r.action} → ${r.expect}`, r] as const))('%s', async (_, row) => {
    await row.probe();
  });

  it('push receive runs as the run account too: the push key logs in as it, confined to incoming/', async () => {
    // Last: it adds incoming/ to the store. The push key is the run account's (provision's default push user).
    const key = await generateKey(join(lab.dir, 'keys'), 'onsite-push');
    const incoming = join(store, 'incoming');
    const akDir = join(lab.dir, 'push-authorized-keys');
    let err = '';
    const prov = await restrayPi(
      [
        'provision',
        'offsite',
        '--incoming',
        incoming,
        '--push-key',
        key.publicLine,
        '--push-user',
        runUser,
        '--authorized-keys-dir',
        akDir,
      ],
      { out: () => undefined, err: (t) => void (err += t), env: process.env },
    );
    expect(prov, err).toBe(0);
    const pushSshd = await startSshd({
      users: [runUser],
      authorizedKeys: { [runUser]: readFileSync(join(akDir, runUser), 'utf8').split('\n').filter(Boolean) },
    });
    cleanups.push(() => pushSshd.stop());
    const knownHosts = join(lab.dir, 'onsite', 'push-known_hosts');
    writeFileSync(knownHosts, `${pushSshd.knownHostsLine()}\n`);
    const onsiteConfig = join(lab.dir, 'onsite-push-config.json');
    writeFileSync(
      onsiteConfig,
      JSON.stringify({
        version: 1,
        name: 'lab',
        secretsFile: join(lab.dir, 'onsite', 'secrets.json'),
        onsite: {
          repository: lab.onsite.repo,
          push: {
            target: {
              host: '127.0.0.1',
              port: pushSshd.port,
              user: runUser,
              sshKey: key.privatePath,
              knownHosts,
            },
            lockWaitSeconds: 5,
          },
        },
      }),
    );
    writeRandomFiles(join(lab.dir, 'ws'), 1, 20_000, 'p');
    await lab.restic(['backup', '--host', 'ws', join(lab.dir, 'ws')]);
    let pushErr = '';
    const pushed = await restrayPi(['push', '--config', onsiteConfig], {
      out: () => undefined,
      err: (t) => void (pushErr += `${t}\n`),
      env: process.env,
    });
    expect(pushed, pushErr).toBe(0);
    const raw = JSON.parse(readFileSync(runConfig, 'utf8')) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    raw.offsite.mode = 'push';
    raw.offsite.incoming = incoming;
    delete raw.offsite.source;
    const pushConfig = join(runDir, 'push-config.json');
    writeFileSync(pushConfig, JSON.stringify(raw));
    const { uid, gid } = statSync(join('/var/lib', runUser));
    chownSync(pushConfig, uid, gid);
    chmodSync(pushConfig, 0o600);
    const before = generations();
    const r = await asRunUser(process.execPath, BUNDLE, 'sync', '--config', pushConfig, '--trigger', 'push');
    expect(r.code, r.out).toBe(0);
    const after = generations();
    expect(after).not.toEqual(before);
    const gen = join(store, 'generations', after.at(-1)!);
    for (const f of listTree(gen)) {
      const st = statSync(join(gen, f));
      expect({ f, uid: st.uid, mode: st.mode & 0o777 }).toEqual({ f, uid, mode: 0o444 });
    }
    // The push key still only adds files: no shell, nothing outside incoming/.
    const sh = await attempt('ssh', [
      ...sshBase(key.privatePath, pushSshd.port, knownHosts),
      `${runUser}@127.0.0.1`,
      'id',
    ]);
    expect(sh.out).not.toMatch(/uid=\d+/);
  });

  it('covers every account on both Pis', () => {
    const hosts: Record<Who, Host> = {
      workstation: 'onsite',
      pull: 'onsite',
      status: 'onsite',
      restore: 'offsite',
      run: 'offsite',
    };
    expect(new Set(rows.map((r) => hosts[r.who]))).toEqual(new Set(['onsite', 'offsite']));
    expect(new Set(rows.map((r) => r.who))).toEqual(new Set(['workstation', 'pull', 'status', 'restore']));
  });
});
