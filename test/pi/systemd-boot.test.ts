import { mkdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PUSH_ACCOUNT } from '../../pi/src/accounts.js';
import { bootDebianRoot, type BootedRoot } from '../lab/booted-root.js';
import { createDebianRoot, type DebianRoot } from '../lab/debian-root.js';
import {
  buildDeb,
  directive,
  installedUnit,
  installOffsiteConfig,
  installPackage,
} from './deb-root-offsite.js';
import { startTwoPiLab, type TwoPiLab } from './lab-two-pi.js';

// The packaged units as systemd runs them: the package installed in a clean Debian 12 root (as in
// deb-package.test.ts), systemd booted as PID 1 of that root's own namespaces (test/lab/booted-root.ts; never
// this machine's), the root playing the offsite Pi of the host's two-Pi lab (onsite sshd on 127.0.0.1, the
// network is shared) and, for the maintain unit, an onsite Pi. One scenario, two boots with a power cut between.

const NAME = 'lab'; // the offsite instance (pulls from the lab)
const ONSITE = 'home'; // the onsite instance (maintain, on a repository inside the root)
const STAMP = `/var/lib/systemd/timers/stamp-restray-pi-sync@${NAME}.timer`;
const PASSWORD = 'correct horse battery staple';
const PUSH = 'push'; // push mode, both Pis in the root: push@ onsite, receive@ offsite, the root's own sshd

let root: DebianRoot;
let lab: TwoPiLab;
let booted: BootedRoot | undefined;
let store: string;

/** `systemctl show` properties of a unit as an object. */
async function show(unit: string, props: string[], flags = ''): Promise<Record<string, string>> {
  const out = await booted!.must(`systemctl show ${flags} ${unit} ${props.map((p) => `-p ${p}`).join(' ')}`);
  return Object.fromEntries(
    out
      .trim()
      .split('\n')
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

/** Resolves with `pred`'s value once it is defined, polling; throws `what` after `ms`. */
async function waitFor<T>(pred: () => Promise<T | undefined>, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await pred();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what} (within ${ms} ms)`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The unit's and its timer's state and the end of its journal, for a failure message. */
async function explain(unit: string): Promise<string> {
  const r = await booted!.run(
    `systemctl status --no-pager ${unit} ${unit.replace(/\.service$/, '.timer')} 2>&1; journalctl --no-pager -n 60 -u ${unit}`,
  );
  return `${r.stdout}${r.stderr}`;
}

/** Generations in the offsite store, oldest first. */
async function generations(): Promise<string[]> {
  const r = await booted!.run(`ls ${store}/generations 2>/dev/null`);
  return r.stdout.trim().split('\n').filter(Boolean);
}

/** Backs up one more file on the workstation side of the lab (a new onsite snapshot). */
async function newOnsiteSnapshot(tag: string): Promise<void> {
  const data = join(lab.dir, `data-${tag}`);
  mkdirSync(data);
  writeFileSync(join(data, `${tag}.txt`), `${tag} `.repeat(4000));
  await lab.restic(['backup', '-q', data]);
}

/** The uid and gid of an account inside the root. */
async function ids(user: string): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = (await booted!.must(`id -u ${user}; id -g ${user}`)).trim().split('\n').map(Number);
  return { uid: uid!, gid: gid! };
}

/** A TCP port free on 127.0.0.1 now (the root's sshd listens there; the network is shared). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Push mode inside the root, as the guide sets it up on two Pis: the offsite account made by `provision offsite`
 * behind the root's own sshd (127.0.0.1:port), the onsite repository and push key, one configuration with both
 * sections, and both path units enabled.
 */
async function setUpPush(port: number): Promise<void> {
  const etc = '/etc/restray-pi';
  const repo = `/srv/restray/${PUSH}/repo`;
  const incoming = `/srv/restray-offsite/${PUSH}/incoming`;
  await root.must(
    `printf 'Port ${port}\nListenAddress 127.0.0.1\n' > /etc/ssh/sshd_config.d/restray-test.conf
     ssh-keygen -q -t ed25519 -N '' -C onsite-push -f ${etc}/${PUSH}.push_ed25519
     chown restray ${etc}/${PUSH}.push_ed25519
     restray-pi provision offsite --root /srv/restray-offsite/${PUSH} --incoming ${incoming} --push-key ${etc}/${PUSH}.push_ed25519.pub
     printf '[127.0.0.1]:${port} %s\n' "$(cut -d' ' -f1,2 /etc/ssh/ssh_host_ed25519_key.pub)" > ${etc}/${PUSH}.known_hosts
     install -d -o restray -g restray -m 2750 /srv/restray/${PUSH} ${repo}
     RESTIC_PASSWORD='${PASSWORD}' runuser -u restray -p -- restic -r ${repo} init -q
     systemctl enable restray-pi-push@${PUSH}.path restray-pi-receive@${PUSH}.path`,
  );
  const config = {
    version: 1,
    name: PUSH,
    secretsFile: `${etc}/${PUSH}.secrets.json`,
    onsite: {
      repository: repo,
      push: {
        target: {
          host: '127.0.0.1',
          port,
          user: PUSH_ACCOUNT,
          sshKey: `${etc}/${PUSH}.push_ed25519`,
          knownHosts: `${etc}/${PUSH}.known_hosts`,
        },
      },
    },
    offsite: { mode: 'push', root: `/srv/restray-offsite/${PUSH}`, incoming },
  };
  await root.must(`cat > ${etc}/${PUSH}.json`, { input: JSON.stringify(config) });
}

/**
 * The one place this root differs from a Pi: its /dev is a tmpfs with six host devices bound in, and systemd 252
 * cannot build a unit's private /dev on top of it (226/NAMESPACE: "/run/systemd/unit-root/dev: No such file or
 * directory"). So PrivateDevices= is switched off here for the offsite units by a drop-in; on a Pi it stays on
 * (the installed units are checked by content and by `systemd-analyze verify` in deb-package.test.ts). Every
 * other hardening option runs as installed.
 */
function harnessDropIns(): string {
  return ['sync', 'pull', 'receive', 'reverify']
    .map(
      (u) => `mkdir -p /etc/systemd/system/restray-pi-${u}@.service.d
     printf '[Service]\\nPrivateDevices=no\\n' > /etc/systemd/system/restray-pi-${u}@.service.d/test-harness-dev.conf`,
    )
    .join('\n');
}

beforeAll(async () => {
  const deb = await buildDeb();
  root = await createDebianRoot();
  await installPackage(root, deb, ['restic', 'openssh-server']);
  lab = await startTwoPiLab({ faultProxy: true });
  await newOnsiteSnapshot('first');
  store = await installOffsiteConfig(root, lab, NAME, { secrets: false });
  // The guide's first manual `restray-pi sync` makes the store; a unit cannot (ProtectSystem=strict leaves /srv
  // read-only and ReadWritePaths= names only the store itself).
  const [syncUser = 'root'] = directive(await installedUnit(root, 'restray-pi-sync@.service', NAME), 'User');
  await root.must(`install -d -o ${syncUser} -m 0755 ${store}`);
  // The onsite instance: a repository owned by restray, its password root-only, as the guide has it.
  const repo = `/srv/restray/${ONSITE}/repo`;
  await root.must(
    `install -d -o restray -g restray -m 2750 /srv/restray/${ONSITE} ${repo}
     echo '${JSON.stringify({ version: 1, name: ONSITE, onsite: { repository: repo, forget: { keepWithin: '30d', prune: true } } })}' > /etc/restray-pi/${ONSITE}.json
     printf '%s\\n' '${PASSWORD}' > /etc/restray-pi/${ONSITE}.restic-password
     chmod 0600 /etc/restray-pi/${ONSITE}.restic-password
     mkdir -p /var/tmp/data && echo hello > /var/tmp/data/a.txt
     export RESTIC_PASSWORD='${PASSWORD}' RESTIC_REPOSITORY=${repo}
     runuser -u restray -p -- restic init -q
     runuser -u restray -p -- restic backup -q --time '2026-01-01 00:00:00' /var/tmp/data
     runuser -u restray -p -- restic backup -q /var/tmp/data`,
  );
  await setUpPush(await freePort());
  // Markers the sandboxed services must not see (ProtectHome=true, PrivateTmp=true).
  await root.must('touch /home/.outside /var/tmp/.outside');
  // As the guide enables them; systemctl links them without a running manager.
  await root.must(
    `systemctl enable restray-pi-sync@${NAME}.timer restray-pi-pull@${NAME}.timer restray-pi-reverify@${NAME}.timer restray-pi-maintain@${ONSITE}.timer`,
  );
  await root.must(harnessDropIns());
  booted = await bootDebianRoot(root);
}, 900_000);

afterAll(async () => {
  await booted?.kill();
  await lab?.stop();
  root?.remove();
}, 120_000);

describe('restray-pi units in a booted Debian 12 root', () => {
  it('the timers are armed at boot; the daily sync has not fired', async () => {
    const timers = await booted!.must('systemctl list-timers --all --no-legend --plain');
    for (const t of [`sync@${NAME}`, `pull@${NAME}`, `reverify@${NAME}`, `maintain@${ONSITE}`])
      expect(timers).toContain(`restray-pi-${t}.timer`);
    const sync = await show(`restray-pi-sync@${NAME}.timer`, ['ActiveState', 'LastTriggerUSec']);
    expect(sync).toEqual({ ActiveState: 'active', LastTriggerUSec: '' });
    // Persistent=true keeps a stamp; the first start of the timer makes it.
    await booted!.must(`test -f ${STAMP}`);
  });

  it('the sync service runs as its unit’s account, with ProtectSystem, ProtectHome, PrivateTmp and NoNewPrivileges in force', async () => {
    const unit = `restray-pi-sync@${NAME}.service`;
    const text = await installedUnit(root, 'restray-pi-sync@.service', NAME);
    const [user = 'root'] = directive(text, 'User');
    // What systemd loaded is what the package installed.
    const p = await show(unit, [
      'User',
      'ProtectSystem',
      'ProtectHome',
      'PrivateTmp',
      'NoNewPrivileges',
      'KillMode',
      'ReadWritePaths',
    ]);
    expect(p).toEqual({
      User: directive(text, 'User')[0] ?? '',
      ProtectSystem: 'strict',
      ProtectHome: 'yes',
      PrivateTmp: 'yes',
      NoNewPrivileges: 'yes',
      KillMode: 'control-group',
      ReadWritePaths: `-${store}`,
    });
    // Outside the service, the markers setup left in /home and /var/tmp are there.
    await booted!.must('test -e /home/.outside && test -e /var/tmp/.outside');
    // Hold the run at its first SSH connection, look at the running process, then let it go on.
    lab.proxy!.stall();
    try {
      await booted!.must(`systemctl start --no-block ${unit}`);
      await waitFor(
        async () => (lab.proxy!.connections() > 0 ? true : undefined),
        60_000,
        'the sync never connected to the onsite sshd',
      );
      const pid = (await show(unit, ['MainPID'])).MainPID!;
      expect(Number(pid)).toBeGreaterThan(0);
      const status = await booted!.must(`cat /proc/${pid}/status`);
      const want = await ids(user);
      expect(status).toMatch(new RegExp(`^Uid:\\t${want.uid}\\t${want.uid}\\t`, 'm'));
      expect(status).toMatch(new RegExp(`^Gid:\\t${want.gid}\\t${want.gid}\\t`, 'm'));
      expect(status).toMatch(/^NoNewPrivs:\t1$/m);
      // In the service's own mount namespace: / read-only, the store writable, homes hidden, its own /tmp.
      const inUnit = (cmd: string) => booted!.runIn(Number(pid), cmd);
      expect((await inUnit('touch /etc/x')).stderr).toMatch(/Read-only file system/);
      expect((await inUnit('touch /usr/x')).stderr).toMatch(/Read-only file system/);
      expect((await inUnit(`touch ${store}/.probe && rm ${store}/.probe`)).code).toBe(0);
      expect((await inUnit('test -e /home/.outside')).code).not.toBe(0);
      expect((await inUnit('test -e /var/tmp/.outside')).code).not.toBe(0);
      expect((await inUnit('test -d /home && test -d /var/tmp')).code).toBe(0);
    } finally {
      lab.proxy!.resume();
    }
    const done = await waitFor(
      async () => {
        const s = await show(unit, ['ActiveState', 'Result', 'ExecMainStatus']);
        return s.ActiveState === 'inactive' || s.ActiveState === 'failed' ? s : undefined;
      },
      180_000,
      'the sync service did not finish',
    ).catch(async (e: Error) => {
      throw new Error(`${e.message}\n${await explain(unit)}`);
    });
    expect(done, await booted!.must(`journalctl -u ${unit} --no-pager | tail -40`)).toEqual({
      ActiveState: 'inactive',
      Result: 'success',
      ExecMainStatus: '0',
    });
    expect(await generations()).toHaveLength(1);
  }, 300_000);

  it('the offsite services start without their optional secrets (no webhook or healthchecks file)', async () => {
    await booted!.must(`test ! -e /etc/restray-pi/${NAME}.secrets.json`);
    for (const svc of [`restray-pi-pull@${NAME}.service`, `restray-pi-reverify@${NAME}.service`]) {
      const r = await booted!.run(`systemctl start ${svc}`);
      const s = await show(svc, ['Result', 'ExecMainStatus']);
      expect(
        { code: r.code, ...s },
        await booted!.must(`journalctl -u ${svc} --no-pager | tail -20`),
      ).toEqual({ code: 0, Result: 'success', ExecMainStatus: '0' });
    }
    // The sync above ran without them too; none of the three logged a credential failure.
    const journal = await booted!.must(`journalctl --no-pager -u 'restray-pi-*@${NAME}.service'`);
    expect(journal).not.toMatch(/CREDENTIALS|243/);
  });

  it('the maintain service runs as restray with its required credential, and fails plainly without it', async () => {
    const svc = `restray-pi-maintain@${ONSITE}.service`;
    expect(await show(svc, ['User', 'Group'])).toEqual({ User: 'restray', Group: 'restray' });
    const r = await booted!.run(`systemctl start ${svc}`);
    expect(r.code, await booted!.must(`journalctl -u ${svc} --no-pager | tail -30`)).toBe(0);
    // Every line the service logged came from a process of the restray account (journald's _UID).
    const uids = new Set(
      (await booted!.must(`journalctl -u ${svc} -o json --no-pager _TRANSPORT=stdout`))
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { _UID: string })._UID),
    );
    expect([...uids]).toEqual([String((await ids('restray')).uid)]);
    const left = JSON.parse(
      await booted!.must(
        `restic -r /srv/restray/${ONSITE}/repo --password-file /etc/restray-pi/${ONSITE}.restic-password snapshots --json --no-lock`,
      ),
    ) as unknown[];
    expect(left).toHaveLength(1);
    // The required credential missing: systemd refuses to start the unit (243/CREDENTIALS), nothing runs.
    await booted!.must(`mv /etc/restray-pi/${ONSITE}.restic-password /var/tmp/pw`);
    try {
      expect((await booted!.run(`systemctl start ${svc}`)).code).not.toBe(0);
      expect(await show(svc, ['Result', 'ExecMainStatus'])).toEqual({
        Result: 'exit-code',
        ExecMainStatus: '243',
      });
    } finally {
      await booted!.must(`mv /var/tmp/pw /etc/restray-pi/${ONSITE}.restic-password`);
    }
    expect(await booted!.must(`journalctl -u ${svc} --no-pager`)).not.toContain(PASSWORD);
  });

  it('push mode: a new onsite snapshot reaches a verified offsite generation through the path units', async () => {
    const gens = () => booted!.run(`ls /srv/restray-offsite/${PUSH}/generations 2>/dev/null`);
    expect((await gens()).stdout.trim()).toBe('');
    const started = Date.now();
    await booted!.must(
      `RESTIC_PASSWORD='${PASSWORD}' runuser -u restray -p -- restic -r /srv/restray/${PUSH}/repo backup -q /var/tmp/data`,
    );
    // Nothing is started by hand: push@.path sees snapshots/, receive@.path sees the manifest.
    await waitFor(
      async () => ((await gens()).stdout.trim() ? true : undefined),
      120_000,
      'no offsite generation within two minutes of the snapshot',
    ).catch(async (e: Error) => {
      const ssh = await booted!.run(
        `systemctl status --no-pager ssh.service 2>&1 | head -20; journalctl --no-pager -n 20 -u ssh.service
         runuser -u restray -- ssh -F /dev/null -i /etc/restray-pi/${PUSH}.push_ed25519 -o BatchMode=yes -o UserKnownHostsFile=/etc/restray-pi/${PUSH}.known_hosts -p $(awk '/^Port/ {print $2}' /etc/ssh/sshd_config.d/restray-test.conf) ${PUSH_ACCOUNT}@127.0.0.1 true 2>&1`,
      );
      throw new Error(
        `${e.message}\n${ssh.stdout}${ssh.stderr}\n${await explain(`restray-pi-push@${PUSH}.service`)}\n${await explain(`restray-pi-receive@${PUSH}.service`)}`,
      );
    });
    console.log(`push mode: snapshot to verified generation in ${Date.now() - started} ms`);
    for (const svc of [`restray-pi-push@${PUSH}.service`, `restray-pi-receive@${PUSH}.service`])
      await waitFor(
        async () => {
          const st = await show(svc, ['ActiveState', 'Result']);
          return st.ActiveState === 'inactive' ? st : undefined;
        },
        120_000,
        `${svc} did not finish`,
      ).then((st) => expect(st).toEqual({ ActiveState: 'inactive', Result: 'success' }));
  }, 300_000);

  it('after a power cut with the daily sync missed, the next boot makes it up once (Persistent=true)', async () => {
    await newOnsiteSnapshot('while-off');
    const before = await generations();
    const unit = `restray-pi-sync@${NAME}.service`;
    const timer = `restray-pi-sync@${NAME}.timer`;
    await booted!.kill();
    booted = undefined;
    // Powered off for two days: the last trigger the stamp records is two days back.
    const stamp = join(root.upper, STAMP);
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 3600 * 1000);
    utimesSync(stamp, twoDaysAgo, twoDaysAgo);
    booted = await bootDebianRoot(root);
    // The made-up run is due at once, spread by the unit's RandomizedDelaySec (also on catch-up), not at the
    // next OnCalendar time.
    const [delay] = directive(
      await installedUnit(root, 'restray-pi-sync@.timer', NAME),
      'RandomizedDelaySec',
    );
    const delayUs = Number(/^(\d+)m$/.exec(delay!)![1]) * 60e6;
    const t = await show(timer, ['NextElapseUSecRealtime', 'ActiveEnterTimestamp']);
    // "Thu 2026-12-03 18:18:41 UTC" (the root's zone is UTC) in µs.
    const at = (v: string) => Date.parse(v.replace(/^\w+ /, '')) * 1e3;
    const due = at(t.NextElapseUSecRealtime!) - at(t.ActiveEnterTimestamp!);
    expect(due, JSON.stringify(t)).toBeGreaterThanOrEqual(0);
    expect(due, JSON.stringify(t)).toBeLessThanOrEqual(delayUs + 1e6);
    // Not to wait out that spread here: the same timer without it, restarted, still has only the stamp to go by.
    await booted.must(
      `mkdir -p /run/systemd/system/${timer}.d
       printf '[Timer]\nRandomizedDelaySec=0\n' > /run/systemd/system/${timer}.d/test-no-spread.conf
       systemctl daemon-reload && systemctl restart ${timer}`,
    );
    await waitFor(
      async () => ((await generations()).at(-1) !== before.at(-1) ? true : undefined),
      180_000,
      'the missed daily sync was not made up after the boot',
    ).catch(async (e: Error) => {
      throw new Error(`${e.message}\n${await explain(unit)}`);
    });
    const done = await waitFor(
      async () => {
        const s = await show(unit, ['ActiveState', 'Result']);
        return s.ActiveState === 'inactive' || s.ActiveState === 'failed' ? s : undefined;
      },
      120_000,
      'the made-up sync did not finish',
    );
    expect(done).toEqual({ ActiveState: 'inactive', Result: 'success' });
    // A new generation (retention may have dropped the one of an hour ago: both are of today).
    expect((await generations()).at(-1)! > before.at(-1)!).toBe(true);
    // Once, not once per missed day; started by the timer, which recorded the run in its stamp.
    // Both boots share the host's boot ID (journalctl -b cannot tell them apart): count from this boot's start.
    const since = (await show('sysinit.target', ['ActiveEnterTimestamp'])).ActiveEnterTimestamp!.replace(
      /^\w+ /,
      '',
    );
    const starts = (await booted.must(`journalctl --no-pager -u ${unit} --since '${since}'`))
      .split('\n')
      .filter((l) => /Starting .*pull and verify the offsite copy/.test(l));
    expect(starts).toHaveLength(1);
    expect((await show(timer, ['LastTriggerUSec'])).LastTriggerUSec).not.toBe('');
    expect(statSync(stamp).mtimeMs).toBeGreaterThan(twoDaysAgo.getTime());
  }, 420_000);
});
