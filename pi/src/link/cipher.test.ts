import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  AES_FIRST,
  cpuHasAes,
  parseListingCpu,
  readOnsiteCpu,
  recordOnsiteCpu,
  transferCiphers,
} from './cipher.js';
import { offsitePaths } from '../offsite/store.js';
import { sshArgs } from './ssh.js';

const X86 = 'processor\t: 0\nflags\t\t: fpu vme sse2 ssse3 aes xsave avx\nbogomips\t: 4890\n';
const PI5 = 'processor\t: 0\nFeatures\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics\n';
const PI4 = 'processor\t: 0\nFeatures\t: fp asimd evtstrm crc32 cpuid\nmodel name\t: aes-like name\n';

describe('cipher choice', () => {
  it('reads AES instructions from /proc/cpuinfo on x86 and ARM', () => {
    expect(cpuHasAes(X86)).toBe(true);
    expect(cpuHasAes(PI5)).toBe(true);
    expect(cpuHasAes(PI4)).toBe(false);
    expect(cpuHasAes('')).toBe(false);
  });

  it("reads the onsite CPU record at the listing's start, and knows when there is none", () => {
    expect(parseListingCpu('cpu aes\0' + '12 1700000000.5 config\0')).toEqual({ aes: true });
    expect(parseListingCpu('cpu \0' + '12 1700000000.5 config\0')).toEqual({ aes: false });
    // An onsite Pi provisioned before the record: the listing starts with a file.
    expect(parseListingCpu('12 1700000000.5 config\0')).toBeUndefined();
    expect(parseListingCpu('')).toBeUndefined();
    // A file named like the record is not one: only the first record counts, and it has no size and time.
    expect(parseListingCpu('12 1700000000.5 cpu aes\0')).toBeUndefined();
  });

  it('offers AES-GCM first only when both CPUs have AES and the config says auto', () => {
    expect(transferCiphers('auto', true, { aes: true })).toEqual(AES_FIRST);
    expect(transferCiphers('auto', true, { aes: false })).toBeUndefined();
    expect(transferCiphers('auto', false, { aes: true })).toBeUndefined();
    expect(transferCiphers('auto', true, undefined)).toBeUndefined();
    expect(transferCiphers('openssh', true, { aes: true })).toBeUndefined();
    // OpenSSH's whole default list stays on offer, so a server that refuses AES-GCM still finds one.
    expect(AES_FIRST).toContain('chacha20-poly1305@openssh.com');
  });

  it('puts the offer on the ssh command line, and nothing without one', () => {
    const ep = { host: 'onsite', port: 22, user: 'pull', sshKey: '/k', knownHosts: '/kh' };
    const t = { connectTimeout: 15, serverAliveInterval: 10, serverAliveCountMax: 3 };
    expect(sshArgs(ep, { ...t, ciphers: AES_FIRST }).join(' ')).toContain(`Ciphers=${AES_FIRST.join(',')}`);
    expect(sshArgs(ep, t).join(' ')).not.toContain('Ciphers');
  });

  it('keeps what the listing said for the next run', () => {
    const p = offsitePaths(mkdtempSync(join(tmpdir(), 'rtpi-cpu-')));
    expect(readOnsiteCpu(p)).toBeUndefined();
    recordOnsiteCpu(p, { aes: true });
    expect(readOnsiteCpu(p)).toEqual({ aes: true });
    recordOnsiteCpu(p, { aes: false });
    expect(readOnsiteCpu(p)).toEqual({ aes: false });
  });
});
