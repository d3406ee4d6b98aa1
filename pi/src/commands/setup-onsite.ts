import { execa } from 'execa';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  encodePairingLine,
  type OffsitePairing,
  type WorkstationPairing,
} from '../../../contract/pairing-line.js';
import { EXIT, PiError } from '../errors.js';
import { readHostKey, sshFingerprint } from '../pairing/host-key.js';
import { readLine, setupLang, texts } from '../pairing/texts.js';
import { planOnsite, resolveProgram } from '../provision.js';
import type { CommandIo } from './common.js';
import { printAndApply, type SetupDeps } from './setup-common.js';

export const setupOnsiteHelp = `sudo restray-pi setup onsite --workstation LINE [--workstation LINE…] [--offsite LINE] [options]

Step 2 of the pairing, on the onsite Pi: provisions the repository NAME (from the workstation line) as
\`restray-pi provision onsite\` does: the account and repository folder typed in the app (in the line), the
status folder /srv/restray/NAME/status, the workstation keys and the offsite Pi's pull and status keys, and prints one line to paste on the offsite Pi (this Pi's host key, port,
accounts and paths). Another workstation later: run it again with only --workstation.
  --workstation LINE    the line the app shows for the repository (repeatable)
  --offsite LINE        the line \`setup offsite\` printed on the offsite Pi
  --host NAME           how the offsite Pi reaches this Pi (default: this host's name)
  --port N              this Pi's sshd port (default 22)
  --host-key FILE       sshd's public host key (default /etc/ssh/ssh_host_ed25519_key.pub)
  --base DIR            where status folders live: DIR/NAME/status (default /srv/restray)
  --repos-under DIR     repository folders named in workstation lines must lie inside DIR (default /srv)
  --pull-user, --status-user, --authorized-keys-dir, --sshd-config-dir, --rclone, --rrsync
                        as for \`restray-pi provision onsite\`
  --dry-run             print the changes only
Exit: 0 done (or nothing to do), 1 failed (a bad or cut line: said why, nothing changed), 2 usage.`;

/**
 * `setup onsite`: parses every line first (a bad one changes nothing), then per repository name plans with
 * provision's planOnsite, prints the changes, applies them and prints the onsite line. Refuses a pull key that
 * already reads another repository (its forced command would be replaced). Side effects: accounts, folders and
 * authorized_keys files, as provision onsite.
 */
export async function setupOnsiteCommand(argv: string[], io: CommandIo, deps: SetupDeps): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      workstation: { type: 'string', multiple: true, default: [] },
      offsite: { type: 'string' },
      host: { type: 'string', default: deps.hostname },
      port: { type: 'string', default: '22' },
      'host-key': { type: 'string', default: '/etc/ssh/ssh_host_ed25519_key.pub' },
      base: { type: 'string', default: '/srv/restray' },
      'repos-under': { type: 'string', default: '/srv' },
      'pull-user': { type: 'string', default: 'restray-pull' },
      'status-user': { type: 'string', default: 'restray-status' },
      'authorized-keys-dir': { type: 'string' },
      'sshd-config-dir': { type: 'string', default: '/etc/ssh/sshd_config.d' },
      rclone: { type: 'string', default: 'rclone' },
      rrsync: { type: 'string', default: 'rrsync' },
      'dry-run': { type: 'boolean', default: false },
    },
    strict: true,
  });
  const lang = setupLang(io.env);
  const t = texts(lang);
  const dryRun = values['dry-run'];
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new PiError('invalid-argument', '--port: 1-65535.');
  for (const [flag, v] of [
    ['--base', values.base],
    ['--repos-under', values['repos-under']],
  ] as const)
    if (!v.startsWith('/')) throw new PiError('invalid-argument', `${flag}: use an absolute path.`);
  if (values.workstation.length === 0) throw new PiError('invalid-argument', t.needsWorkstation);
  // Every line first: a bad one stops here, before anything is read from or changed on this Pi.
  const workstations = values.workstation.map((l) => readLine(l, 'workstation', '--workstation', lang));
  const offsite =
    values.offsite === undefined ? undefined : readLine(values.offsite, 'offsite', '--offsite', lang);
  const byName = new Map<string, WorkstationPairing[]>();
  for (const w of workstations) byName.set(w.name, [...(byName.get(w.name) ?? []), w]);
  if (offsite && byName.size > 1) throw new PiError('invalid-argument', t.manyNames);
  for (const [name, ws] of byName) {
    if (new Set(ws.map((w) => `${w.mode} ${w.user} ${w.path}`)).size > 1)
      throw new PiError('invalid-argument', t.modes(name));
    // A line names the folder that gets the repository's owner and mode: never a system folder.
    const under = values['repos-under'].replace(/\/+$/, '');
    if (!ws[0]!.path.startsWith(`${under}/`))
      throw new PiError('invalid-argument', t.outsideRepos(ws[0]!.path, under));
  }
  for (const v of [values.host, values['pull-user'], values['status-user']])
    if (!/^[A-Za-z0-9._:-]{1,253}$/.test(v) || v.startsWith('-'))
      throw new PiError('invalid-argument', `--host/--pull-user/--status-user: not a name: ${v}`);
  const hostKey = offsite ? readHostKey(values['host-key']) : undefined;

  const akDir = values['authorized-keys-dir'];
  const authorizedKeysFile = (u: string, home: string) =>
    akDir ? join(akDir, u) : join(home, '.ssh', 'authorized_keys');
  const rrsync = await resolveProgram(values.rrsync);
  const cat = await resolveProgram('cat');
  let code: number = EXIT.ok;
  for (const [name, ws] of byName) {
    const { mode, user, path } = ws[0]!;
    const input = {
      repo: path,
      statusDir: join(values.base, name, 'status'),
      mode,
      user,
      pullUser: values['pull-user'],
      statusUser: values['status-user'],
      workstationKeys: ws.map((w) => w.key),
      pullKeys: offsite ? [offsite.pullKey] : [],
      statusKeys: offsite ? [offsite.statusKey] : [],
      rclone: mode === 'append-only' ? await resolveProgram(values.rclone) : values.rclone,
      rrsync,
      cat,
      authorizedKeysFile,
      sshdConfigDir: values['sshd-config-dir'],
    };
    if (offsite) await refuseTakenPullKey(offsite, input, lang);
    code = Math.max(code, await printAndApply(await planOnsite(input), dryRun, io, lang));
    if (!dryRun && mode === 'sftp') io.out(t.reloadSshd);
    if (offsite && hostKey) {
      const line = encodePairingLine('onsite', {
        name,
        keys: offsite.keys,
        host: values.host,
        port,
        hostKey,
        hostKeyFingerprint: sshFingerprint(hostKey),
        pullUser: input.pullUser,
        statusUser: input.statusUser,
        repo: input.repo,
        statusDir: input.statusDir,
      });
      io.out(`\n${t.lineFollows(t.offsitePi, "sudo restray-pi setup offsite --onsite '…'")}\n\n${line}\n`);
      io.out(t.thisHostKey(sshFingerprint(hostKey), values.host, port));
    }
  }
  return code;
}

/**
 * The pull key's forced command names one repository; provision replaces a line for the same key, so pairing a
 * second repository with the same key set would silently cut the first one off. Refuse that instead.
 */
async function refuseTakenPullKey(
  offsite: OffsitePairing,
  input: { pullUser: string; repo: string; authorizedKeysFile: (u: string, home: string) => string },
  lang: 'en' | 'de',
): Promise<void> {
  const r = await execa('getent', ['passwd', input.pullUser], { reject: false });
  const home = r.exitCode === 0 ? String(r.stdout).split(':')[5]! : `/var/lib/${input.pullUser}`;
  const file = input.authorizedKeysFile(input.pullUser, home);
  if (!existsSync(file)) return;
  const blob = offsite.pullKey.split(' ')[1]!;
  for (const l of readFileSync(file, 'utf8').split('\n')) {
    if (!l.split(/\s+/).includes(blob)) continue;
    const m = /-ro ('(?:[^']|'\\'')*'|[^\s;"]+)/.exec(l)?.[1];
    const other = m?.startsWith("'") ? m.slice(1, -1).replace(/'\\''/g, "'") : m;
    if (other !== input.repo)
      throw new PiError('invalid-argument', texts(lang).pullKeyTaken(other ?? '?'), {
        hint: texts(lang).pullKeyTakenHint,
      });
  }
}
