import { execa } from 'execa';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { shellQuote } from '../../core/engine/recovery-sheet.js';
import type { DebianRoot } from '../lab/debian-root.js';
import type { RawConfig, TwoPiLab } from './lab-two-pi.js';

// The restray-pi package in a Debian root, and that root set up as the offsite Pi of a two-Pi lab.

const repoRoot = join(import.meta.dirname, '..', '..');
const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string })
  .version;

/** Where the package ends up inside a root after {@link installPackage}. */
export const DEB_IN_ROOT = '/var/tmp/restray-test/restray-pi.deb';

/**
 * Builds `dist/deb/restray-pi_<version>_all.deb` with `scripts/package-pi.mjs --no-build` (the bundle must
 * have been built: `node scripts/build-node.mjs`; throws otherwise) and returns its path.
 */
export async function buildDeb(): Promise<string> {
  if (!existsSync(join(repoRoot, 'dist', 'pi', 'restray-pi.mjs')))
    throw new Error('dist/pi/restray-pi.mjs is missing: run `node scripts/build-node.mjs` first');
  await execa(process.execPath, [join(repoRoot, 'scripts', 'package-pi.mjs'), '--no-build'], {
    cwd: repoRoot,
  });
  return join(repoRoot, 'dist', 'deb', `restray-pi_${version}_all.deb`);
}

/**
 * Installs the package as an administrator would (`dpkg -i`, then `apt-get install -f` for its dependencies
 * from Debian's archive, with fresh lists) plus `extra` packages; throws with apt's output on failure.
 */
export async function installPackage(root: DebianRoot, deb: string, extra: string[] = []): Promise<void> {
  await root.copyIn(deb, DEB_IN_ROOT);
  await root.must('apt-get update -qq');
  await root.run(`dpkg -i ${DEB_IN_ROOT}`);
  await root.must('apt-get install -f -y -qq --no-install-recommends');
  if (extra.length > 0) await root.must(`apt-get install -y -qq --no-install-recommends ${extra.join(' ')}`);
}

/** The installed systemd unit's text, `%i` replaced by the instance name. */
export async function installedUnit(
  root: Pick<DebianRoot, 'must'>,
  unit: string,
  name: string,
): Promise<string> {
  return (await root.must(`cat /lib/systemd/system/${unit}`)).replaceAll('%i', name);
}

/** Values of a unit directive, in order (`Environment=` may appear several times). */
export function directive(unitText: string, key: string): string[] {
  return [...unitText.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((m) => m[1]!);
}

/**
 * Makes the root the offsite Pi of `lab` for configuration `name`: the lab's pull and status keys and
 * known_hosts under /etc/restray-pi/NAME.*, the config at /etc/restray-pi/NAME.json with the store at
 * /srv/restray-offsite/NAME, all owned by the account the installed sync unit runs as (`User=`, root when
 * unset) and 0600 where secret. With `secrets` the lab's secrets file (webhook and healthchecks URLs) is
 * copied too; without, the configuration names a secrets file that does not exist. Mail is left out (the
 * lab's sendmail double lives on the host). The store itself is not made. Returns the store path.
 */
export async function installOffsiteConfig(
  root: DebianRoot,
  lab: TwoPiLab,
  name: string,
  opts: { secrets: boolean },
): Promise<string> {
  const etc = '/etc/restray-pi';
  const store = `/srv/restray-offsite/${name}`;
  const [user = 'root'] = directive(await installedUnit(root, 'restray-pi-sync@.service', name), 'User');
  const files: [string, string][] = [
    [lab.offsite.pullKey, `${etc}/${name}.pull_ed25519`],
    [lab.offsite.statusKey, `${etc}/${name}.status_ed25519`],
    [lab.offsite.knownHosts, `${etc}/${name}.known_hosts`],
  ];
  if (opts.secrets) files.push([lab.offsite.secretsPath, `${etc}/${name}.secrets.json`]);
  for (const [from, to] of files) await root.copyIn(from, to);
  const raw = JSON.parse(readFileSync(lab.offsite.configPath, 'utf8')) as RawConfig;
  raw.secretsFile = `${etc}/${name}.secrets.json`;
  raw.offsite.root = store;
  for (const [end, key] of [
    ['source', 'pull'],
    ['publish', 'status'],
  ] as const) {
    raw.offsite[end].sshKey = `${etc}/${name}.${key}_ed25519`;
    raw.offsite[end].knownHosts = `${etc}/${name}.known_hosts`;
  }
  delete raw.alerts.mail;
  await root.must(`cat > ${etc}/${name}.json`, { input: JSON.stringify(raw) });
  const secret = files.filter(([, to]) => !to.endsWith('.known_hosts')).map(([, to]) => shellQuote(to));
  await root.must(
    `chmod 0600 ${secret.join(' ')}
     chown ${shellQuote(user)} ${[...files.map(([, to]) => to), `${etc}/${name}.json`].map(shellQuote).join(' ')}`,
  );
  return store;
}
