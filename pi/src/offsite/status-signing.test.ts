import { createPublicKey, verify } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePiStatus, type PiStatus } from '../../../contract/pi-status.js';
import {
  keyFingerprint,
  loadSigningKey,
  publicKeyBase64,
  signedStatusText,
  signingKeyPath,
} from './status-signing.js';

const status: PiStatus = {
  schemaVersion: 1,
  updatedAt: '2025-03-10T11:00:00.000Z',
  host: 'offsite',
  repository: 'pi',
  generations: [],
  verification: { checkedFiles: 0, totalFiles: 0, damaged: [] },
  guard: { state: 'ok', threshold: 0.2, configChanged: false, keysChanged: false },
  stale: false,
  sequence: 7,
};

describe('status signing key', () => {
  it('is made on first need (0600 in a 0700 folder) and the same key is loaded afterwards', () => {
    const root = mkdtempSync(join(tmpdir(), 'restray-sign-'));
    const made = loadSigningKey(root);
    const path = signingKeyPath(root);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(path)).mode & 0o777).toBe(0o700);
    const again = loadSigningKey(root);
    expect(publicKeyBase64(again)).toBe(publicKeyBase64(made));
    expect(keyFingerprint(publicKeyBase64(made))).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it('refuses a key file others can read, and one that is not an Ed25519 key', () => {
    const root = mkdtempSync(join(tmpdir(), 'restray-sign-'));
    loadSigningKey(root);
    chmodSync(signingKeyPath(root), 0o644);
    expect(() => loadSigningKey(root)).toThrow(/readable by other users/);
    writeFileSync(signingKeyPath(root), 'not a key', { mode: 0o600 });
    chmodSync(signingKeyPath(root), 0o600);
    expect(() => loadSigningKey(root)).toThrow(/not an Ed25519 private key/);
  });

  it('signs the exact payload bytes of a version-2 envelope that still parses to the status', () => {
    const root = mkdtempSync(join(tmpdir(), 'restray-sign-'));
    const key = loadSigningKey(root);
    const text = signedStatusText(status, key);
    const env = JSON.parse(text) as { payload: string; signature: { value: string; publicKey: string } };
    expect(env.signature.publicKey).toBe(publicKeyBase64(key));
    expect(
      verify(
        null,
        Buffer.from(env.payload),
        createPublicKey(key),
        Buffer.from(env.signature.value, 'base64'),
      ),
    ).toBe(true);
    const parsed = parsePiStatus(JSON.parse(text));
    expect(parsed.ok && parsed.status).toEqual(status);
    // The private key is nowhere in what is published.
    expect(text).not.toContain(readFileSync(signingKeyPath(root), 'utf8').split('\n')[1]);
  });
});
