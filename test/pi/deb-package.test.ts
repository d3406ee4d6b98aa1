import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OFFSITE_ACCOUNT } from '../../pi/src/accounts.js';
import { createDebianRoot, type DebianRoot } from '../lab/debian-root.js';
import { startTwoPiLab, type RawConfig } from './lab-two-pi.js';

// The Debian package as an administrator gets it: built by `npm run package:pi`, checked by lintian, installed
// with dpkg into a clean Debian 12 root (debootstrap; cached under /var/cache/restray-test), its dependencies
// resolved by apt from Debian's archive, and run there with that root's own Node 18. systemd is never booted.

const repoRoot = join(import.meta.dirname, '..', '..');
const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string })
  .version;
const deb = join(repoRoot, 'dist', 'deb', `restray-pi_${version}_all.deb`);
const NAME = 'laptop';

let root: DebianRoot;

beforeAll(async () => {
  if (!existsSync(join(repoRoot, 'dist', 'pi', 'restray-pi.mjs')))
    throw new Error('dist/pi/restray-pi.mjs is missing: run `node scripts/build-node.mjs` first');
  await execa(process.execPath, [join(repoRoot, 'scripts', 'package-pi.mjs'), '--no-build'], {
    cwd: repoRoot,
  });
  root = await createDebianRoot();
  await root.copyIn(deb, '/var/tmp/restray-test/restray-pi.deb');
  // Fresh lists, as an administrator's `apt install` would see (the cached ones may be days old).
  await root.must('apt-get update -qq');
}, 900_000);

afterAll(() => root?.remove());

/** The systemd unit as installed, `%i` replaced by the instance name. */
async function installedUnit(unit: string, name = NAME): Promise<string> {
  return (await root.must(`cat /lib/systemd/system/${unit}`)).replaceAll('%i', name);
}

/** Values of a unit directive, in order (`Environment=` may appear several times). */
function directive(unitText: string, key: string): string[] {
  return [...unitText.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((m) => m[1]!);
}

describe('restray-pi Debian package', () => {
  it('lintian reports no errors', async () => {
    const r = await execa('lintian', ['--fail-on', 'error', deb], { reject: false, all: true });
    if (r.failed && r.exitCode === undefined)
      throw new Error(`lintian could not run (apt install lintian): ${r.message}`);
    expect(r.all).not.toMatch(/^E: /m);
    expect(r.exitCode, r.all).toBe(0);
  });

  it('the same commit packs the same bytes (reproducible: mtimes and changelog date from the commit)', async () => {
    const before = createHash('sha256').update(readFileSync(deb)).digest('hex');
    await execa(process.execPath, [join(repoRoot, 'scripts', 'package-pi.mjs'), '--no-build'], {
      cwd: repoRoot,
    });
    expect(createHash('sha256').update(readFileSync(deb)).digest('hex')).toBe(before);
  });

  it('installs with dpkg, apt brings its dependencies, and the command runs on the root’s Node 18', async () => {
    // dpkg alone stops at the missing dependencies (a clean root has no nodejs, rsync, ssh, rclone) ...
    const first = await root.run('dpkg -i /var/tmp/restray-test/restray-pi.deb');
    expect(first.code).not.toBe(0);
    expect(first.stderr).toMatch(/dependency problems|depends on nodejs/);
    // ... and apt resolves them from Debian's archive.
    await root.must('apt-get install -f -y -qq --no-install-recommends');
    await root.must('apt-get install -y -qq --no-install-recommends restic sudo');
    expect(await root.must("dpkg-query -W -f '${Status} ${Version}' restray-pi")).toBe(
      `install ok installed ${version}`,
    );
    expect((await root.must('node --version')).trim()).toMatch(/^v18\./);
    expect((await root.must('command -v restray-pi')).trim()).toBe('/usr/bin/restray-pi');
    expect((await root.must('restray-pi --version')).trim()).toBe(`restray-pi ${version}`);
    // sudo's secure_path finds it (an alias, as the old guide had, did not).
    expect((await root.must('sudo -n restray-pi --version')).trim()).toBe(`restray-pi ${version}`);
    // The minimum versions the package states were met by what apt installed.
    await root.must(
      `dpkg --compare-versions "$(dpkg-query -W -f '\${Version}' rsync)" ge 3.5.0 &&
       dpkg --compare-versions "$(dpkg-query -W -f '\${Version}' rclone)" ge 1.60 &&
       test -x /usr/bin/rrsync`,
    );
  });

  it('/etc/restray-pi is readable by the restray group only; the account is the one provision makes', async () => {
    expect((await root.must('stat -c "%U:%G %a" /etc/restray-pi')).trim()).toBe('root:restray 750');
    const [, , , , , home, shell] = (await root.must('getent passwd restray')).trim().split(':');
    expect({ home, shell }).toEqual({ home: '/var/lib/restray', shell: '/bin/sh' });
    // '*': no password, yet not '!'-locked (sshd without PAM would refuse the forced-command key logins).
    expect((await root.must('getent shadow restray')).split(':')[1]).toBe('*');
    await root.must(`echo '{}' > /etc/restray-pi/${NAME}.json`);
    await root.must(`runuser -u restray -- cat /etc/restray-pi/${NAME}.json`);
    // Anyone else is kept out of the configurations.
    const other = await root.run(`runuser -u nobody -- cat /etc/restray-pi/${NAME}.json`);
    expect(other.code).not.toBe(0);
    expect(other.stderr).toMatch(/Permission denied/);
  });

  it('systemd-analyze verify accepts every unit instantiated for a configuration name', async () => {
    const units = (await root.must('ls /lib/systemd/system | grep "^restray-pi-"'))
      .trim()
      .split('\n')
      .map((u) => u.replace('@.', `@${NAME}.`));
    expect(units.length).toBeGreaterThanOrEqual(13);
    const r = await root.run(`SYSTEMD_LOG_LEVEL=notice systemd-analyze verify ${units.join(' ')}`);
    const complaints = `${r.stdout}\n${r.stderr}`
      .split('\n')
      .filter((l) => l.includes('restray-pi'))
      .join('\n');
    expect(complaints).toBe('');
    expect(r.code, r.stderr).toBe(0);
  });

  it('provision onsite agrees with the account the package made (nothing to change on a second run)', async () => {
    const keys = (
      await root.must(
        `mkdir -p /var/tmp/keys && for k in ws pull status; do ssh-keygen -q -t ed25519 -N '' -C $k -f /var/tmp/keys/$k; done
       echo ok`,
      )
    ).trim();
    expect(keys).toBe('ok');
    const provision = `restray-pi provision onsite --repo /srv/restray/${NAME}/repo --status-dir /srv/restray/${NAME}/status \
      --workstation-key /var/tmp/keys/ws.pub --pull-key /var/tmp/keys/pull.pub --status-key /var/tmp/keys/status.pub`;
    const plan = await root.must(`${provision} --dry-run`);
    expect(plan).not.toMatch(/create (account|group) restray[ (]/);
    expect(plan).toMatch(/create account restray-pull/);
    await root.must(provision);
    expect(await root.must(provision)).toMatch(/Nothing to change/);
    expect((await root.must(`stat -c "%U:%G %a" /srv/restray/${NAME}/repo`)).trim()).toBe(
      'restray:restray 2750',
    );
  });

  it('the maintain unit’s command runs as its user, with its config and credential, and prunes', async () => {
    const repo = `/srv/restray/${NAME}/repo`;
    await root.must(
      `echo '${JSON.stringify({ version: 1, name: NAME, onsite: { repository: repo, forget: { keepWithin: '30d', prune: true } } })}' > /etc/restray-pi/${NAME}.json
       printf 'correct horse battery staple\\n' > /etc/restray-pi/${NAME}.restic-password
       chmod 0600 /etc/restray-pi/${NAME}.restic-password
       mkdir -p /var/tmp/data && echo hello > /var/tmp/data/a.txt
       export RESTIC_PASSWORD='correct horse battery staple' RESTIC_REPOSITORY=${repo}
       runuser -u restray -p -- restic init -q
       runuser -u restray -p -- restic backup -q --time '2026-01-01 00:00:00' /var/tmp/data
       runuser -u restray -p -- restic backup -q /var/tmp/data`,
    );
    const unit = await installedUnit('restray-pi-maintain@.service');
    const [user] = directive(unit, 'User');
    const [execStart] = directive(unit, 'ExecStart');
    const [credential] = directive(unit, 'LoadCredential');
    expect(user).toBe('restray');
    expect(execStart).toBe(`/usr/bin/restray-pi maintain --config /etc/restray-pi/${NAME}.json`);
    // LoadCredential= as systemd does it: a private copy the service's user can read, named by the ID.
    const [id, source] = credential!.split(':');
    expect(source).toBe(`/etc/restray-pi/${NAME}.restic-password`);
    const creds = `/run/credentials/restray-pi-maintain@${NAME}.service`;
    await root.must(
      `install -d -o restray -m 0500 ${creds} && install -o restray -m 0400 ${source} ${creds}/${id}
       install -d -o restray -m 0700 /var/cache/restray-pi`,
    );
    const env = directive(unit, 'Environment').join(' ');
    const asUnit = `runuser -u ${user} -- env CREDENTIALS_DIRECTORY=${creds} ${env} ${execStart}`;
    const r = await root.run(asUnit);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    const left = JSON.parse(
      await root.must(
        `runuser -u restray -- restic -r ${repo} --password-file ${creds}/${id} snapshots --json`,
      ),
    ) as unknown[];
    expect(left).toHaveLength(1);
    // The password never reached argv or the output.
    expect(`${r.stdout}${r.stderr}`).not.toContain('correct horse');
    // Without the credential the same command fails with a plain message, not a stack.
    const bare = await root.run(`runuser -u ${user} -- env ${env} ${execStart}`);
    expect(bare.code).not.toBe(0);
    expect(bare.stderr).toMatch(/restic-password/);
    expect(bare.stderr).not.toMatch(/\n\s+at /);
  });

  it('the sync unit’s command pulls a verified generation with the root’s Node, rsync and OpenSSH', async () => {
    // The onsite Pi is the host's lab (sshd on 127.0.0.1, which the chroot shares); the offsite Pi is the root.
    const lab = await startTwoPiLab({ faultProxy: false });
    try {
      const data = join(lab.dir, 'data');
      mkdirSync(data);
      writeFileSync(join(data, 'a.txt'), 'offsite me '.repeat(5000));
      await lab.restic(['backup', '-q', data]);
      const name = 'lab';
      const etc = '/etc/restray-pi';
      await root.copyIn(lab.offsite.pullKey, `${etc}/${name}.pull_ed25519`);
      await root.copyIn(lab.offsite.statusKey, `${etc}/${name}.status_ed25519`);
      await root.copyIn(lab.offsite.knownHosts, `${etc}/${name}.known_hosts`);
      await root.copyIn(lab.offsite.secretsPath, `${etc}/${name}.secrets.json`);
      await root.must(
        `chmod 0600 ${etc}/${name}.pull_ed25519 ${etc}/${name}.status_ed25519 ${etc}/${name}.secrets.json`,
      );
      const raw = JSON.parse(readFileSync(lab.offsite.configPath, 'utf8')) as RawConfig;
      raw.secretsFile = `${etc}/${name}.secrets.json`;
      raw.offsite.root = `/srv/restray-offsite/${name}`;
      for (const [end, key] of [
        ['source', 'pull'],
        ['publish', 'status'],
      ] as const) {
        raw.offsite[end].sshKey = `${etc}/${name}.${key}_ed25519`;
        raw.offsite[end].knownHosts = `${etc}/${name}.known_hosts`;
      }
      delete raw.alerts.mail; // the lab's sendmail double lives on the host
      await root.must(`cat > ${etc}/${name}.json`, { input: JSON.stringify(raw) });

      // The store as provision gives it to the run account; the account owns its keys and secrets.
      await root.must(`restray-pi provision offsite --root /srv/restray-offsite/${name}`);
      await root.must(
        `chown ${OFFSITE_ACCOUNT}: ${etc}/${name}.pull_ed25519 ${etc}/${name}.status_ed25519 ${etc}/${name}.secrets.json`,
      );
      const unit = await installedUnit('restray-pi-sync@.service', name);
      expect(directive(unit, 'User')).toEqual([OFFSITE_ACCOUNT]);
      const [execStart] = directive(unit, 'ExecStart');
      const r = await root.run(`runuser -u ${OFFSITE_ACCOUNT} -- ${execStart!}`);
      expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
      expect(
        (await root.must(`ls /srv/restray-offsite/${name}/generations`)).trim().split('\n'),
      ).toHaveLength(1);
      // Nothing in the store belongs to root but the store folder itself (the restore account's chroot).
      expect(await root.must(`find /srv/restray-offsite/${name} -mindepth 1 -user root -print`)).toBe('');
      expect(existsSync(join(lab.onsite.statusDir, 'offsite.json'))).toBe(true);
      await lab.alerts.waitFor((q) => q.path === '/hc', 30_000);
    } finally {
      await lab.stop();
    }
  });

  it('reinstalls idempotently; purge removes the files and the directory override, keeps the account', async () => {
    await root.must('dpkg -i /var/tmp/restray-test/restray-pi.deb');
    expect((await root.must('stat -c "%U:%G %a" /etc/restray-pi')).trim()).toBe('root:restray 750');
    await root.must('dpkg --purge restray-pi');
    expect((await root.run('dpkg-statoverride --list /etc/restray-pi')).code).not.toBe(0);
    expect((await root.run('test -e /usr/bin/restray-pi')).code).not.toBe(0);
    expect((await root.run('test -e /lib/systemd/system/restray-pi-sync@.service')).code).not.toBe(0);
    // Debian keeps system accounts on purge (files they own may remain, e.g. the repository).
    await root.must('getent passwd restray');
  });
});
