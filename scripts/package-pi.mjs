// `npm run package:pi`: builds dist/deb/restray-pi_<version>_all.deb with dpkg-deb from the restray-pi bundle
// that scripts/build-node.mjs makes (`--no-build` packs the bundle already in dist/pi/). One package serves both
// Pis: what each command needs at run time is in Depends (Recommends: what only the onsite Pi uses).
// Layout: /usr/bin/restray-pi (a shell launcher, a real file so `sudo restray-pi` finds it), the bundle in
// /usr/lib/restray-pi/, the templated units (one instance per configuration, /etc/restray-pi/NAME.json) in
// /lib/systemd/system/, /etc/restray-pi/ root:restray 0750 (dpkg-statoverride, set by the postinst).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);
const version = JSON.parse(readFileSync('package.json', 'utf8')).version;
const maintainer = 'Restray maintainers <maintainers@restray.example.org>';
/** The offsite run account, from its one definition (pi/src/accounts.ts); the units name it too (tested). */
const offsiteAccount = /export const OFFSITE_ACCOUNT = '([a-z_][a-z0-9_-]*)';/.exec(
  readFileSync('pi/src/accounts.ts', 'utf8'),
)?.[1];
if (!offsiteAccount) throw new Error('pi/src/accounts.ts: OFFSITE_ACCOUNT not found');

/**
 * Minimum versions, and why. Debian 12 and Raspberry Pi OS bookworm satisfy all of them (with bookworm-security
 * for rsync); they are also the versions the lab tests run.
 */
const depends = [
  'adduser', // the postinst creates the `restray` and `restray-offsite` accounts
  'nodejs (>= 18)', // the bundle targets Node 18 (Debian 12 and Raspberry Pi OS bookworm ship 18.19)
  'rsync (>= 3.5.0)', // transfers, and rrsync as the pull key's forced command (restricted-directory escape fixed in 3.5.0)
  'python3', // rrsync is a Python script and rsync only recommends python3: without it the forced commands fail
  'openssh-client (>= 1:9.2)', // pulls and the status upload: the OpenSSH the lab tests
  'rclone (>= 1.60)', // `rclone serve restic --stdio --append-only`, the workstation key's forced command onsite
];
const recommends = [
  'openssh-server (>= 1:9.2)', // onsite: the accounts the workstation and the offsite Pi log in to
  'restic (>= 0.14)', // onsite `maintain` (forget/prune); offsite optional `restic check`
];

const out = 'dist/deb';
const epoch = sourceDateEpoch();
const stage = join(out, `restray-pi_${version}_all`);
const deb = join(out, `restray-pi_${version}_all.deb`);

if (!process.argv.includes('--no-build'))
  execFileSync(process.execPath, ['scripts/build-node.mjs'], { stdio: 'inherit' });
const bundle = 'dist/pi/restray-pi.mjs';
if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run node scripts/build-node.mjs first`);

rmSync(stage, { recursive: true, force: true });
rmSync(deb, { force: true });

/** Writes a file into the package tree with an explicit mode (the build's umask must not decide). */
function put(path, content, mode = 0o644) {
  const p = join(stage, path);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, content);
  chmodSync(p, mode);
}

put(
  'usr/bin/restray-pi',
  `#!/bin/sh
# restray-pi ${version}: the bundle run by the distribution's Node (>= 18).
exec /usr/bin/node /usr/lib/restray-pi/restray-pi.mjs "$@"
`,
  0o755,
);
// The source map stays out: 1.6 MB that Node reads only with --enable-source-maps.
put(
  'usr/lib/restray-pi/restray-pi.mjs',
  readFileSync(bundle, 'utf8').replace(/\n\/\/# sourceMappingURL=.*\n?$/, '\n'),
);
for (const unit of readdirSync('pi/systemd').sort())
  put(`lib/systemd/system/${unit}`, readFileSync(join('pi/systemd', unit)));
mkdirSync(join(stage, 'etc/restray-pi'), { recursive: true });

const doc = 'usr/share/doc/restray-pi';
put(`${doc}/README.md.gz`, gzipSync(readFileSync('pi/README.md'), { level: 9 }));
put(`${doc}/changelog.gz`, gzipSync(changelog(), { level: 9 }));
put(`${doc}/copyright`, copyright());
put('usr/share/man/man1/restray-pi.1.gz', gzipSync(manPage(), { level: 9 }));

for (const d of walk(stage, true)) chmodSync(d, 0o755);

const files = walk(stage, false).filter((f) => !relative(stage, f).startsWith('DEBIAN'));
const installedKiB =
  files.reduce((n, f) => n + Math.ceil(statSync(f).size / 1024), 0) + walk(stage, true).length;
put(
  'DEBIAN/control',
  `Package: restray-pi
Version: ${version}
Architecture: all
Maintainer: ${maintainer}
Installed-Size: ${installedKiB}
Depends: ${depends.join(', ')}
Recommends: ${recommends.join(', ')}
Section: admin
Priority: optional
Description: onsite target and verified offsite copies of restic repositories
 restray-pi runs on the two Raspberry Pis of a Restray setup. On the onsite
 Pi it provisions append-only access to the restic repository for the
 workstations and read-only access for the offsite Pi, and runs forget and
 prune. On the offsite Pi it pulls the repository into immutable, hash-verified
 generations, guards against mass deletion, applies retention, sends alerts
 and publishes a status document the workstation reads.
`,
);
put(
  'DEBIAN/md5sums',
  files
    .map((f) => `${createHash('md5').update(readFileSync(f)).digest('hex')}  ${relative(stage, f)}\n`)
    .join(''),
);
put(
  'DEBIAN/postinst',
  `#!/bin/sh
set -e
if [ "$1" = configure ]; then
  # The repository owner on the onsite Pi, the group that may read /etc/restray-pi (the maintain unit runs as
  # it). Created as \`restray-pi provision onsite\` would: a shell for sshd's forced commands, password '*'
  # (no password, yet not locked: sshd without PAM refuses key logins to '!'-locked accounts), no key yet.
  if ! getent passwd restray >/dev/null; then
    adduser --system --group --home /var/lib/restray --shell /bin/sh restray >/dev/null
    usermod -p '*' restray
  fi
  # The offsite run account: sync, reverify and prune run as it (never root) and it owns the store's folders
  # (restray-pi provision offsite --root gives them to it). Member of restray to read its configuration.
  # A shell: in push mode the onsite Pi's key logs in as it, forced into rrsync -wo (see pi/README.md).
  if ! getent passwd ${offsiteAccount} >/dev/null; then
    adduser --system --group --home /var/lib/${offsiteAccount} --shell /bin/sh ${offsiteAccount} >/dev/null
    usermod -p '*' ${offsiteAccount}
  fi
  adduser --quiet ${offsiteAccount} restray >/dev/null
  # The offsite stores' parent: root-owned, so each store can be its restore account's chroot.
  install -d -o root -g root -m 0755 /srv/restray-offsite
  if ! dpkg-statoverride --list /etc/restray-pi >/dev/null 2>&1; then
    dpkg-statoverride --update --add root restray 0750 /etc/restray-pi
  fi
  if [ -d /run/systemd/system ]; then
    systemctl --system daemon-reload >/dev/null || true
  fi
fi
exit 0
`,
  0o755,
);
put(
  'DEBIAN/postrm',
  `#!/bin/sh
set -e
if [ "$1" = purge ] && dpkg-statoverride --list /etc/restray-pi >/dev/null 2>&1; then
  dpkg-statoverride --remove /etc/restray-pi
fi
if [ -d /run/systemd/system ]; then
  systemctl --system daemon-reload >/dev/null || true
fi
exit 0
`,
  0o755,
);

for (const p of [...walk(stage, false), ...walk(stage, true), join(stage, 'DEBIAN'), stage])
  utimesSync(p, epoch, epoch);
execFileSync('dpkg-deb', ['--root-owner-group', '-Zxz', '--build', stage, deb], {
  env: { ...process.env, SOURCE_DATE_EPOCH: String(epoch) },
  stdio: ['ignore', 'ignore', 'inherit'],
});
process.stdout.write(`${deb}\n`);

function walk(dir, dirs) {
  const res = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (dirs && e.name !== 'DEBIAN') res.push(p);
      res.push(...walk(p, dirs));
    } else if (!dirs) res.push(p);
  }
  return res;
}

/** A man page made of the command's own usage text, so the two cannot disagree. */
function manPage() {
  const usage = execFileSync(process.execPath, [bundle, '--help'], { encoding: 'utf8' });
  const roff = usage.replace(/\\/g, '\\e').replace(/^([.'])/gm, '\\&$1');
  return `.TH RESTRAY-PI 1 "" "restray-pi ${version}" "User Commands"
.SH NAME
restray-pi \\- onsite target and verified offsite copies of restic repositories
.SH SYNOPSIS
.B restray-pi
.I command
[options]
.SH DESCRIPTION
.nf
${roff}.fi
.SH SEE ALSO
/usr/share/doc/restray-pi/README.md.gz
`;
}

/** SOURCE_DATE_EPOCH, else the commit's time: the same commit packs the same bytes (changelog date, mtimes). */
function sourceDateEpoch() {
  const env = Number(process.env.SOURCE_DATE_EPOCH);
  if (env) return env;
  try {
    return Number(execFileSync('git', ['log', '-1', '--format=%ct'], { encoding: 'utf8' }).trim());
  } catch {
    return Math.floor(Date.now() / 1000);
  }
}

function changelog() {
  const date = new Date(epoch * 1000).toUTCString().replace('GMT', '+0000');
  return `restray-pi (${version}) unstable; urgency=medium

  * restray-pi ${version}, built from the Restray sources (npm run package:pi).

 -- ${maintainer}  ${date}
`;
}

/** DEP-5 copyright: restray-pi's own code and every npm package esbuild bundled (read from the source map). */
function copyright() {
  const map = JSON.parse(readFileSync(`${bundle}.map`, 'utf8'));
  const pkgs = new Map();
  for (const src of map.sources) {
    // An esbuild plugin's namespace prefixes its paths (zod-english-only:/…/zod/…).
    const p = resolve(dirname(bundle), src.replace(/^[\w-]+:(?=\/)/, ''));
    const i = p.lastIndexOf('/node_modules/');
    if (i < 0) continue;
    const rest = p.slice(i + '/node_modules/'.length).split('/');
    const dir =
      p.slice(0, i + '/node_modules/'.length) + rest.slice(0, rest[0].startsWith('@') ? 2 : 1).join('/');
    if (pkgs.has(dir)) continue;
    const j = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    pkgs.set(dir, `${j.name} ${j.version} (${j.license})`);
  }
  const licenses = new Set([...pkgs.values()].map((s) => /\(([^)]+)\)$/.exec(s)[1]));
  const known = ['MIT', 'ISC', 'Apache-2.0'];
  const unknown = [...licenses].filter((l) => !known.includes(l));
  if (unknown.length)
    throw new Error(`bundled packages under licenses this script does not cover: ${unknown}`);
  return `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: restray

Files: *
Copyright: 2026 Restray maintainers
License: MIT

Files: usr/lib/restray-pi/restray-pi.mjs
Copyright: 2026 Restray maintainers, and the authors of the bundled npm packages
License: MIT and ISC and Apache-2.0
Comment: the bundle holds restray-pi's code and these npm packages:
${[...pkgs.values()]
  .sort()
  .map((s) => ` ${s}`)
  .join('\n')}

License: MIT
 Permission is hereby granted, free of charge, to any person obtaining a copy
 of this software and associated documentation files (the "Software"), to deal
 in the Software without restriction, including without limitation the rights
 to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
 copies of the Software, and to permit persons to whom the Software is
 furnished to do so, subject to the following conditions:
 .
 The above copyright notice and this permission notice shall be included in all
 copies or substantial portions of the Software.
 .
 THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
 IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
 FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
 AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
 LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
 OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
 SOFTWARE.

License: ISC
 Permission to use, copy, modify, and/or distribute this software for any
 purpose with or without fee is hereby granted, provided that the above
 copyright notice and this permission notice appear in all copies.
 .
 THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
 WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
 MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
 ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
 WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
 ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
 OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.

License: Apache-2.0
 On Debian systems, the full text of the Apache License 2.0 is in
 /usr/share/common-licenses/Apache-2.0.
`;
}
