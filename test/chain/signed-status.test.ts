import { generateKeyPairSync, sign, createPublicKey } from 'node:crypto';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppState, ChainStatus } from '../../contract/app-state.js';
import {
  PI_STATUS_ENVELOPE_VERSION,
  type PiStatus,
  type PiStatusEnvelope,
} from '../../contract/pi-status.js';
import { main as restrayPi } from '../../pi/src/main.js';
import { workstation, type Workstation } from '../cli/cli-lab.js';
import { writeRandomFiles } from '../pi/lab-two-pi.js';
import { connectCliWorkstation, startChainLab, type ChainLab } from './chain-lab.js';

/**
 * A status only the offsite Pi can write: the lab's onsite Pi (which stores offsite.json) forges it — edits the
 * signed document, replays an older signed one, strips the signature, signs with a key of its own — and
 * `restray status --json` (the CLI bundle, real sshd, restic, restray-pi sync) never says safe, and says why.
 */
describe('signed offsite status against a forging onsite Pi (CLI, real sshd, restic, restray-pi sync)', () => {
  let lab: ChainLab;
  let ws: Workstation;
  let src: string;
  let fingerprint: string;
  const statusFile = () => join(lab.pis.onsite.statusDir, 'offsite.json');
  const chain = async (): Promise<ChainStatus> => {
    const r = await ws.run(['status', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    return (JSON.parse(r.stdout) as Pick<AppState, 'repos'>).repos[0]!.chain;
  };
  const pi = async (args: string[]) => {
    let out = '';
    let err = '';
    const code = await restrayPi([...args, '--config', lab.pis.offsite.configPath], {
      out: (t) => void (out += `${t}\n`),
      err: (t) => void (err += `${t}\n`),
      env: process.env,
    });
    expect(code, err).toBe(0);
    return out;
  };
  const backup = async () => {
    const b = await ws.run(['backup', 'home']);
    expect(b.exitCode, b.stderr).toBe(0);
  };
  /** Writes a forged document as the onsite Pi would (keeping the file's owner and mode). */
  const forge = (text: string) => writeFileSync(statusFile(), text);

  beforeAll(async () => {
    lab = await startChainLab();
    ws = workstation();
    await connectCliWorkstation(lab, ws);
    src = join(lab.pis.dir, 'signed-data');
    writeRandomFiles(src, 2, 100_000);
    const plan = await ws.run(['plan', 'add', 'home', '--repo', 'pi', '--path', src]);
    expect(plan.exitCode, plan.stderr).toBe(0);
  });
  afterAll(async () => {
    if (ws) rmSync(ws.home, { recursive: true, force: true });
    await lab?.stop();
  });

  it('signs on the offsite Pi with a key that stays there; unpinned setups work with a warning', async () => {
    await backup();
    expect((await lab.sync()).result).toBe('ok');
    const env = JSON.parse(readFileSync(statusFile(), 'utf8')) as PiStatusEnvelope;
    expect(env.schemaVersion).toBe(PI_STATUS_ENVELOPE_VERSION);
    expect(env.signature.alg).toBe('ed25519');
    // The key file: made on first need (the lab's provision offsite --root), 0600 in a 0700 folder; nothing of
    // it is published.
    const keyFile = join(lab.offsiteRoot, 'signing', 'status-ed25519.pem');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(keyFile)).mode & 0o777).toBe(0o700);
    const pem = readFileSync(keyFile, 'utf8');
    const secretPart = pem.split('\n')[1]!;
    expect(readFileSync(statusFile(), 'utf8')).not.toContain(secretPart);
    fingerprint = JSON.parse(await pi(['status', '--signing-key', '--json'])).fingerprint as string;
    expect(fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(await pi(['status', '--signing-key'])).toContain(`--status-key ${fingerprint}`);

    // Nothing pinned yet (a setup from before signing): still safe, with the warning and the fingerprint.
    const c = await chain();
    expect(c.verdict).toBe('safe');
    expect(c.offsite.trust).toEqual({ state: 'not-pinned', fingerprint });
    const text = await ws.run(['status']);
    expect(text.stdout).toContain('warning: offsite status not signed by a pinned key');
    expect(text.stdout).toContain('restray-pi status --signing-key');

    // Unpinned, but with restore access: an onsite-only edit is caught by the cross-check with the offsite
    // Pi's own copy (here: the signature stripped and the stale flag flipped).
    const good = readFileSync(statusFile(), 'utf8');
    const payload = JSON.parse(env.payload) as PiStatus;
    payload.stale = !payload.stale;
    try {
      forge(JSON.stringify(payload));
      const x = await chain();
      expect(x.verdict).toBe('unknown');
      expect(x.offsite.trust?.problem).toBe('mismatch');
      expect(x.offsite.reason).toMatch(/differs from the one the offsite Pi itself holds/);
    } finally {
      forge(good);
    }
    expect((await chain()).verdict).toBe('safe');
  });

  it('pins the key: only a wrong fingerprint is refused, the right one makes the status signed and safe', async () => {
    const wrong = await ws.run(['repo', 'offsite', 'pi', '--status-key', `SHA256:${'A'.repeat(43)}`]);
    expect(wrong.exitCode).not.toBe(0);
    expect(wrong.stderr).toContain(`signed by ${fingerprint}`);
    const pin = await ws.run(['repo', 'offsite', 'pi', '--status-key', fingerprint]);
    expect(pin.exitCode, pin.stderr).toBe(0);
    expect(pin.stdout).toContain(fingerprint);
    const config = JSON.parse(readFileSync(join(ws.home, 'config.json'), 'utf8'));
    expect(config.version).toBe(2);
    expect(config.repositories[0].offsiteStatusKey).toBe(fingerprint);
    // The restore access kept its account and folder (pinning alone changes nothing else).
    expect(config.repositories[0].offsite.user).toBe(lab.restoreUser);
    expect(config.repositories[0].offsite.path).toBe(lab.offsiteRoot);
    const c = await chain();
    expect(c.verdict).toBe('safe');
    expect(c.offsite.trust).toEqual({ state: 'signed', fingerprint });
  });

  it('never safe when the onsite Pi edits, replays, strips or re-signs the status; the reason is shown', async () => {
    const old = readFileSync(statusFile(), 'utf8');
    // A newer backup and sync: the workstation accepts the newer signed status (its sequence is kept).
    writeRandomFiles(src, 1, 50_000, 'second');
    await backup();
    expect((await lab.sync()).result).toBe('ok');
    expect((await chain()).verdict).toBe('safe');
    const good = readFileSync(statusFile(), 'utf8');

    // A third backup the offsite Pi has not copied: the truth is "not yet offsite".
    writeRandomFiles(src, 1, 50_000, 'third');
    await backup();
    const waiting = await chain();
    expect(waiting.verdict).toBe('not-yet-offsite');
    const newest = waiting.workstation.newestSnapshot!.id;

    const env = JSON.parse(good) as PiStatusEnvelope;
    const payload = JSON.parse(env.payload) as PiStatus;
    payload.generations[0]!.snapshotIds.push(newest);
    const edited: PiStatusEnvelope = { ...env, payload: JSON.stringify(payload) };
    try {
      // 1. Edited: claims the newest snapshot is offsite, under the offsite Pi's (now wrong) signature.
      forge(JSON.stringify(edited));
      let c = await chain();
      expect(c.verdict).toBe('unknown');
      expect(c.offsite).toMatchObject({
        state: 'unknown',
        trust: { state: 'rejected', problem: 'bad-signature' },
        reason: expect.stringMatching(/changed after the offsite Pi signed it/),
      });

      // 2. Replayed: the older signed status, genuine bytes and signature.
      forge(old);
      c = await chain();
      expect(c.verdict).toBe('unknown');
      expect(c.offsite.trust?.problem).toBe('replay');
      expect(c.offsite.reason).toMatch(/older than one already seen/);

      // 3. Stripped: the edited payload alone, as an old unsigned (version 1) document.
      forge(JSON.stringify(payload));
      c = await chain();
      expect(c.verdict).toBe('unknown');
      expect(c.offsite.trust?.problem).toBe('unsigned');
      expect(c.offsite.reason).toMatch(/is not signed/);

      // 4. Re-signed with a key of the onsite Pi's own.
      const own = generateKeyPairSync('ed25519').privateKey;
      const der = createPublicKey(own).export({ type: 'spki', format: 'der' });
      forge(
        JSON.stringify({
          schemaVersion: 3,
          payload: edited.payload,
          signature: {
            alg: 'ed25519',
            publicKey: der.subarray(der.length - 32).toString('base64'),
            value: sign(null, Buffer.from(edited.payload), own).toString('base64'),
          },
        }),
      );
      c = await chain();
      expect(c.verdict).toBe('unknown');
      expect(c.offsite.trust?.problem).toBe('other-key');
      expect(c.offsite.reason).toMatch(/signed by another key/);
      const text = await ws.run(['status']);
      expect(text.stdout).toMatch(/pi: unknown/);
      expect(text.stdout).toMatch(/signed by another key/);
    } finally {
      forge(good);
    }
    // The genuine document again: the truth, not yet offsite; after the next sync, safe.
    expect((await chain()).verdict).toBe('not-yet-offsite');
    expect((await lab.sync()).result).toBe('ok');
    const c = await chain();
    expect(c.verdict).toBe('safe');
    expect(c.offsite.trust?.state).toBe('signed');
  });
});
