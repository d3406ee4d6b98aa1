import { execFile } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePairingLine, parsePairingLine } from '../../contract/pairing-line.js';
import { keyWithoutComment, sshFingerprint } from '../../pi/src/pairing/host-key.js';
import { generateKey } from '../lab/sshd.js';
import { checkStatus } from '../../core/status/status-trust.js';
import { statusFromBytes } from '../../core/status/status-reader.js';
import { statusKeyFromPaste } from '../../core/engine/pairing-lines.js';
import { listTree, writeRandomFiles } from './lab-two-pi.js';
import { BUNDLE, notOwnedBy, startPairingLab, type PairingLab } from './lab-pairing.js';

const run = promisify(execFile);

/** The 32-byte seed of an unencrypted OpenSSH ed25519 private key file (openssh-key-v1 format). */
function sshSeed(path: string): Buffer {
  const b64 = readFileSync(path, 'utf8')
    .replace(/-----[^-]+-----/g, '')
    .replace(/\s+/g, '');
  const buf = Buffer.from(b64, 'base64');
  let at = 'openssh-key-v1\0'.length;
  const str = () => {
    const n = buf.readUInt32BE(at);
    const v = buf.subarray(at + 4, at + 4 + n);
    at += 4 + n;
    return v;
  };
  str(); // cipher
  str(); // kdf
  str(); // kdf options
  at += 4; // number of keys
  str(); // public key
  const priv = str();
  // check1, check2, key type, public key, then seed ‖ public key.
  let p = 8;
  const pstr = () => {
    const n = priv.readUInt32BE(p);
    const v = priv.subarray(p + 4, p + 4 + n);
    p += 4 + n;
    return v;
  };
  pstr();
  pstr();
  const both = pstr();
  // Sanity: the second half is the public key of the .pub file, so the first half really is the seed.
  const pub = Buffer.from(readFileSync(`${path}.pub`, 'utf8').split(' ')[1]!, 'base64');
  if (!both.subarray(32).equals(pub.subarray(pub.length - 32))) throw new Error(`${path}: not parsed`);
  return Buffer.from(both.subarray(0, 32));
}

/** How a secret could appear in text: base64 at each byte alignment, base64url, hex (inner parts). */
function secretForms(secret: Buffer): string[] {
  return [0, 1, 2].flatMap((a) => {
    const b = secret.subarray(a);
    return [
      b.toString('base64').slice(2, 26),
      b.toString('base64url').slice(2, 26),
      b.toString('hex').slice(2, 34),
    ];
  });
}

/** An onsite line for the paired lab's sshd with its real host key (as `setup onsite` prints it). */
function encodeHostLine(lab: PairingLab): string {
  return encodePairingLine('onsite', {
    name: 'laptop',
    keys: 'main',
    host: '127.0.0.1',
    port: lab.sshd.port,
    hostKey: lab.sshd.hostKeyPublic,
    hostKeyFingerprint: sshFingerprint(lab.sshd.hostKeyPublic),
    pullUser: lab.users.pull,
    statusUser: lab.users.status,
    repo: join(lab.onsite.base, 'laptop', 'repo'),
    statusDir: join(lab.onsite.base, 'laptop', 'status'),
  });
}

/** Every file under a folder with its content: to prove that a refused step changed nothing. */
function snapshot(dirs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const d of dirs)
    if (existsSync(d)) for (const f of listTree(d)) out[join(d, f)] = readFileSync(join(d, f), 'utf8');
  return out;
}

describe('paired setup: from two fresh Pis to a verified offsite generation with pasted lines only', () => {
  let lab: PairingLab;
  beforeAll(async () => {
    lab = await startPairingLab();
  }, 60_000);
  afterAll(async () => {
    await lab?.stop();
  });

  it('three commands per Pi, each idempotent, and the status key pinned from the offsite line', async () => {
    const typed: string[] = [];
    const setup = (side: 'offsite' | 'onsite', argv: string[]) => {
      typed.push(`${side} ${argv.join(' ')}`);
      return lab.setup([side, ...argv, ...(side === 'offsite' ? lab.flags.offsite : lab.flags.onsite)]);
    };

    // Offsite Pi, command 1: its keys and the line for the onsite Pi.
    const off1 = await setup('offsite', []);
    expect(off1.code, off1.err).toBe(0);
    expect(off1.out).toMatch(/create the pull key[\s\S]*create the status key[\s\S]*status signing key/);
    const offsiteLine = off1.line!;
    expect(parsePairingLine(offsiteLine, 'offsite').ok).toBe(true);

    // Onsite Pi, command 1 (after the package install): the workstation's line and the offsite Pi's line.
    const on1 = await setup('onsite', ['--workstation', lab.workstation.line, '--offsite', offsiteLine]);
    expect(on1.code, on1.err).toBe(0);
    expect(on1.out).toMatch(/create account rtpq\w+w/);
    const onsiteLine = on1.line!;
    const onsite = parsePairingLine(onsiteLine, 'onsite');
    expect(onsite.ok && onsite.payload.port).toBe(lab.sshd.port);

    // The workstation (the app) makes the repository and a first snapshot through its append-only key.
    writeRandomFiles(join(lab.dir, 'data'), 3, 200_000);
    await lab.workstation.restic(['init']);
    await lab.workstation.restic(['backup', '--host', 'ws', join(lab.dir, 'data')]);

    // --dry-run first: the store for the run account (as provision offsite --root) is printed first, and nothing
    // is made (no store, no account).
    const dry = await setup('offsite', ['--onsite', onsiteLine, '--dry-run']);
    typed.pop();
    expect(dry.code, dry.err).toBe(0);
    const acct = lab.users.offsite;
    expect(dry.out).toMatch(
      new RegExp(`changes:\\n\\s+would create account ${acct}[\\s\\S]*generations owned by ${acct}`),
    );
    expect(dry.out).toMatch(new RegExp(`would give the pull key \\S+ to ${acct} \\(mode 0600\\)`));
    expect(dry.out).not.toMatch(/First sync/);
    expect(existsSync(join(lab.offsite.storeDir, 'laptop'))).toBe(false);
    await expect(run('id', ['-u', acct])).rejects.toThrow();

    // Offsite Pi, command 2: pin, configure, enable, first sync.
    const started = performance.now();
    const off2 = await setup('offsite', ['--onsite', onsiteLine]);
    const seconds = (performance.now() - started) / 1000;
    expect(off2.code, `${off2.out}\n${off2.err}`).toBe(0);
    expect(off2.out).toMatch(/host key SHA256:\S+: compare it/);
    expect(off2.out).toMatch(/First verified generation: \S+/);
    expect(lab.offsite.services.enabled).toEqual([
      'restray-pi-sync@laptop.timer',
      'restray-pi-pull@laptop.timer',
      'restray-pi-reverify@laptop.timer',
    ]);
    const generations = readdirSync(join(lab.offsite.storeDir, 'laptop', 'generations'));
    expect(generations).toHaveLength(1);
    // The generation is a complete repository: stock restic checks it with the password.
    const check = await run(
      'restic',
      ['-r', join(lab.offsite.storeDir, 'laptop', 'generations', generations[0]!), 'check', '--no-lock'],
      {
        env: lab.workstation.env,
      },
    );
    expect(check.stdout).toMatch(/no errors were found/);

    // Least privilege: the first sync ran as the run account, so every file in the store is its own; and the
    // units' situation (User= the run account, no root) works: a sync as that account promotes a new generation.
    const uid = Number((await run('id', ['-u', lab.users.offsite])).stdout.trim());
    expect(notOwnedBy(join(lab.offsite.storeDir, 'laptop'), uid)).toEqual([]);
    writeRandomFiles(join(lab.dir, 'data2'), 2, 50_000);
    await lab.workstation.restic(['backup', '--host', 'ws', join(lab.dir, 'data2')]);
    const config = join(lab.offsite.configDir, 'laptop.json');
    const second = await run(
      'runuser',
      ['-u', lab.users.offsite, '--', process.execPath, BUNDLE, 'sync', '--config', config],
      {
        env: { ...process.env, LANG: 'C.UTF-8' },
      },
    );
    // A new generation (retention keeps the day's newest: the first one is removed, by the account too).
    const promoted = /ok: promoted (\S+);/.exec(second.stdout + second.stderr)?.[1];
    expect(promoted, `${second.stdout}\n${second.stderr}`).toBeDefined();
    expect(promoted).not.toBe(generations[0]);
    expect(readdirSync(join(lab.offsite.storeDir, 'laptop', 'generations'))).toContain(promoted);
    expect(notOwnedBy(join(lab.offsite.storeDir, 'laptop'), uid)).toEqual([]);

    // The app takes the offsite line (pasted in the wizard) as the status key to pin, and the status the offsite
    // Pi published onsite is signed by exactly that key.
    const pinned = statusKeyFromPaste(offsiteLine);
    const published = readFileSync(join(lab.onsite.base, 'laptop', 'status', 'offsite.json'));
    const obs = statusFromBytes(published, 'onsite', new Date().toISOString());
    if (!obs.ok) throw new Error(`no status published: ${obs.error.message}`);
    expect(obs.status.lastRun?.result).toBe('ok');
    const verdict = checkStatus(obs, { pinned, last: undefined, now: new Date(), maxAgeSeconds: 3600 });
    expect(verdict.trust).toEqual({ state: 'signed', fingerprint: pinned });

    // Each step again: nothing to change (the offsite Pi prints its line again, the onsite Pi its own).
    const again = [
      await setup('offsite', []),
      await setup('onsite', ['--workstation', lab.workstation.line, '--offsite', offsiteLine]),
      await setup('offsite', ['--onsite', onsiteLine]),
    ];
    for (const r of again) {
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(/Nothing to change/);
    }
    expect(again[0]!.line).toBe(offsiteLine);
    expect(again[1]!.line).toBe(onsiteLine);

    // Measured (reported, never asserted): commands per Pi and the time from `setup offsite --onsite` to the
    // first verified generation.
    const perPi = { offsite: 2, onsite: 1 };
    console.log(
      `paired setup: ${perPi.offsite + 1} commands on the offsite Pi (install, setup offsite, setup offsite --onsite), ` +
        `${perPi.onsite + 1} on the onsite Pi (install, setup onsite); first verified generation ${seconds.toFixed(1)} s after setup offsite --onsite`,
    );
    expect(typed.slice(0, 3).map((c) => c.split(' ')[0])).toEqual(['offsite', 'onsite', 'offsite']);

    // No line carries a secret: not the private halves of the pull, status, signing or workstation keys (in any
    // base64 alignment, base64url or hex), not the repository password.
    const pair = join(lab.offsite.configDir, 'pair', 'main');
    const secrets = [
      sshSeed(join(pair, 'pull')),
      sshSeed(join(pair, 'status')),
      sshSeed(lab.workstation.key),
      Buffer.from(
        createPrivateKey(readFileSync(join(pair, 'signing', 'status-ed25519.pem'))).export({ format: 'jwk' })
          .d!,
        'base64url',
      ),
    ];
    for (const line of [offsiteLine, onsiteLine, lab.workstation.line]) {
      const decoded = Buffer.from(line.split(':')[3]!, 'base64url').toString('utf8');
      expect(decoded).not.toMatch(/PRIVATE KEY|BEGIN/);
      for (const text of [line, decoded]) {
        expect(text).not.toContain(lab.workstation.password);
        for (const form of secrets.flatMap(secretForms)) expect(text).not.toContain(form);
      }
    }
    for (const out of [off1, on1, off2, ...again].flatMap((r) => [r.out, r.err]))
      expect(out).not.toContain(lab.workstation.password);
  }, 300_000);

  it('a bad, cut or wrong line is refused in English and German with nothing changed', async () => {
    const dirs = [
      lab.offsite.configDir,
      lab.offsite.storeDir,
      lab.onsite.base,
      join(lab.sshd.dir, 'authorized_keys'),
    ];
    const before = snapshot(dirs);
    const offLine = (await lab.setup(['offsite', ...lab.flags.offsite])).line!;
    const cut = offLine.slice(0, offLine.length - 20);
    const cases: [string[], RegExp, RegExp][] = [
      [
        ['onsite', '--workstation', lab.workstation.line, '--offsite', cut, ...lab.flags.onsite],
        /truncated or altered/,
        /unvollständig/,
      ],
      [
        ['onsite', '--workstation', offLine, '--offsite', offLine, ...lab.flags.onsite],
        /This is the offsite Pi's line; the app's line belongs here/,
        /hier gehört die Zeile der App hin/,
      ],
      [
        ['offsite', '--onsite', lab.workstation.line, ...lab.flags.offsite],
        /the onsite Pi's line belongs here/,
        /Zeile des Pi vor Ort/,
      ],
      [
        ['offsite', '--onsite', 'ssh-ed25519 AAAA', ...lab.flags.offsite],
        /not a Restray pairing line/,
        /keine Restray-Kopplungszeile/,
      ],
    ];
    // A line naming a system folder for the repository (careless or hostile): refused before any chown.
    const etc = lab.workstation.lineFor('laptop', readFileSync(`${lab.workstation.key}.pub`, 'utf8'), '/etc');
    cases.push([
      ['onsite', '--workstation', etc, '--offsite', offLine, ...lab.flags.onsite],
      /folder \/etc is not inside/,
      /Ordner \/etc .* liegt nicht in/,
    ]);
    for (const [argv, en, de] of cases) {
      const r = await lab.setup(argv);
      expect(r.code).not.toBe(0);
      expect(r.err).toMatch(en);
      expect(r.out).not.toMatch(/create|write|pin/);
      const g = await lab.setup(argv, { LANG: 'de_DE.UTF-8' });
      expect(g.err).toMatch(de);
    }
    expect(snapshot(dirs)).toEqual(before);
  }, 120_000);

  it('an onsite line whose host key is not what the onsite Pi presents is refused before anything is pinned', async () => {
    // A well-formed onsite line naming this lab's sshd, but another Pi's host key: as an edited or mixed-up
    // line would be.
    const other = await generateKey(join(lab.dir, 'other-host'), 'other');
    const wrong = encodePairingLine('onsite', {
      name: 'laptop',
      keys: 'main',
      host: '127.0.0.1',
      port: lab.sshd.port,
      hostKey: keyWithoutComment(other.publicLine),
      hostKeyFingerprint: sshFingerprint(other.publicLine),
      pullUser: lab.users.pull,
      statusUser: lab.users.status,
      repo: join(lab.onsite.base, 'laptop', 'repo'),
      statusDir: join(lab.onsite.base, 'laptop', 'status'),
    });
    const dirs = [lab.offsite.configDir, lab.offsite.storeDir];
    const before = snapshot(dirs);
    const r = await lab.setup(['offsite', '--onsite', wrong, ...lab.flags.offsite]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/answers with another host key .* nothing was changed/);
    expect(snapshot(dirs)).toEqual(before);
    // A line whose fingerprint does not belong to its key (hand-edited) is refused before any connection.
    const mismatched = encodePairingLine('onsite', {
      ...(parsePairingLine(wrong, 'onsite') as { payload: Parameters<typeof encodePairingLine<'onsite'>>[1] })
        .payload,
      hostKeyFingerprint: sshFingerprint(lab.sshd.hostKeyPublic),
    });
    const m = await lab.setup(['offsite', '--onsite', mismatched, ...lab.flags.offsite]);
    expect(m.err).toMatch(/host key and its fingerprint do not match/);
    expect(snapshot(dirs)).toEqual(before);

    // The store already signs with key set main's key (pinned in the app): an onsite line answering another
    // key set for the same repository must not silently switch the signing key.
    const other2 = await lab.setup(['offsite', '--keys', 'other', ...lab.flags.offsite]);
    expect(other2.code, other2.err).toBe(0);
    const real = parsePairingLine(encodeHostLine(lab), 'onsite');
    if (!real.ok) throw new Error('no line');
    const before2 = snapshot([lab.offsite.configDir, lab.offsite.storeDir]);
    const switched = encodePairingLine('onsite', { ...real.payload, keys: 'other' });
    const sw = await lab.setup(['offsite', '--onsite', switched, ...lab.flags.offsite]);
    expect(sw.code).toBe(4);
    expect(sw.err).toMatch(
      /holds another status signing key than the one in the offsite line: nothing was changed/,
    );
    expect(snapshot([lab.offsite.configDir, lab.offsite.storeDir])).toEqual(before2);
  }, 120_000);

  it('--dry-run lists the changes and makes none; a second workstation is one more line', async () => {
    const second = await startPairingLab('laptop');
    try {
      const before = snapshot([second.offsite.configDir]);
      const dry = await second.setup(['offsite', '--dry-run', ...second.flags.offsite]);
      expect(dry.code).toBe(0);
      expect(dry.out).toMatch(/would create the pull key/);
      expect(dry.out).toMatch(/Dry run: nothing was changed/);
      expect(snapshot([second.offsite.configDir])).toEqual(before);
    } finally {
      await second.stop();
    }
    // On the paired lab: another workstation for the same repository.
    const ak = join(lab.sshd.dir, 'authorized_keys', lab.users.workstation);
    const linesBefore = readFileSync(ak, 'utf8').trim().split('\n');
    const k = await generateKey(join(lab.dir, 'ws2'), 'desktop');
    const line2 = lab.workstation.lineFor('laptop', k.publicLine);
    const dry2 = await lab.setup(['onsite', '--workstation', line2, '--dry-run', ...lab.flags.onsite]);
    expect(dry2.out).toMatch(/would write .*rtpq\w+w:\n\s+\+ command=".*--append-only/);
    expect(readFileSync(ak, 'utf8').trim().split('\n')).toEqual(linesBefore);
    const add = await lab.setup(['onsite', '--workstation', line2, ...lab.flags.onsite]);
    expect(add.code, add.err).toBe(0);
    const after = readFileSync(ak, 'utf8').trim().split('\n');
    expect(after).toHaveLength(linesBefore.length + 1);
    expect(after.slice(0, linesBefore.length)).toEqual(linesBefore);
  }, 120_000);

  it('one key set cannot be paired with a second repository on the same onsite Pi (it would cut off the first)', async () => {
    const offLine = (await lab.setup(['offsite', ...lab.flags.offsite])).line!;
    const k = await generateKey(join(lab.dir, 'ws3'), 'photos');
    const before = snapshot([join(lab.sshd.dir, 'authorized_keys'), lab.onsite.base]);
    const r = await lab.setup([
      'onsite',
      '--workstation',
      lab.workstation.lineFor('photos', k.publicLine),
      '--offsite',
      offLine,
      ...lab.flags.onsite,
    ]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/already reads the repository .*laptop\/repo/);
    expect(r.err).toMatch(/setup offsite --keys/);
    expect(snapshot([join(lab.sshd.dir, 'authorized_keys'), lab.onsite.base])).toEqual(before);
  }, 120_000);

  it('a store paired by the older root-only setup is given back to the run account by running step 3 again', async () => {
    // As the older setup (or a sync run as root by hand) left it: store files, keys and folders root's.
    const store = join(lab.offsite.storeDir, 'laptop');
    const pair = join(lab.offsite.configDir, 'pair', 'main');
    await run('chown', ['-R', '0:0', '--', join(store, 'generations'), join(store, 'signing')]);
    await run('chown', ['0:0', '--', join(pair, 'pull'), join(pair, 'status')]);
    await run('chmod', ['0700', '--', pair, join(lab.offsite.configDir, 'pair')]);
    const uid = Number((await run('id', ['-u', lab.users.offsite])).stdout.trim());
    expect(notOwnedBy(store, uid)).not.toEqual([]);
    const line = encodeHostLine(lab);
    const fix = await lab.setup(['offsite', '--onsite', line, ...lab.flags.offsite]);
    expect(fix.code, `${fix.out}\n${fix.err}`).toBe(0);
    expect(fix.out).toMatch(/generations owned by \S+, mode 755 \(and everything in it\)/);
    expect(fix.out).not.toMatch(/First sync/);
    expect(notOwnedBy(store, uid)).toEqual([]);
    const again = await lab.setup(['offsite', '--onsite', line, ...lab.flags.offsite]);
    expect(again.out).toMatch(/Nothing to change/);
    // The units' situation works again: a sync as the run account reads its keys and writes its store.
    const config = join(lab.offsite.configDir, 'laptop.json');
    await run(
      'runuser',
      ['-u', lab.users.offsite, '--', process.execPath, BUNDLE, 'sync', '--config', config],
      {
        env: { ...process.env, LANG: 'C.UTF-8' },
      },
    );
    expect(notOwnedBy(store, uid)).toEqual([]);
  }, 120_000);
});
