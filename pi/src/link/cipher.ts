import { readFileSync } from 'node:fs';
import type { OffsiteConfig } from '../config.js';
import { readJson, writeFileAtomic } from '../fs-util.js';

/**
 * The pull transfer's cipher offer when both Pis' CPUs have AES instructions: AES-GCM first. There it costs a
 * fraction of ChaCha20-Poly1305's CPU (OpenSSH's first choice, and the faster one without AES instructions: a
 * Pi 4 keeps it); measured in bench/pi-sync.ts. The rest is OpenSSH's default list, so an onsite sshd that
 * refuses AES-GCM still finds a common cipher. Every name is known to OpenSSH ≥ 6.5.
 */
export const AES_FIRST = [
  'aes128-gcm@openssh.com',
  'chacha20-poly1305@openssh.com',
  'aes256-gcm@openssh.com',
  'aes128-ctr',
  'aes192-ctr',
  'aes256-ctr',
] as const;

/** True when /proc/cpuinfo text names AES instructions (`aes` in x86 `flags` or ARM `Features`). */
export function cpuHasAes(cpuinfo: string): boolean {
  return /^(?:flags|Features)\s*:.*\baes\b/m.test(cpuinfo);
}

/** This machine's CPU has AES instructions (Linux; false where /proc/cpuinfo cannot be read). */
export function localCpuHasAes(): boolean {
  try {
    return cpuHasAes(readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    return false;
  }
}

/**
 * The onsite CPU record from a listing (see pullCommand in provision.ts): `{ aes }`, or undefined when the
 * onsite Pi sent none (provisioned before the record existed: re-run `restray-pi provision onsite`).
 */
export function parseListingCpu(listing: string): { aes: boolean } | undefined {
  const rec = listing.slice(0, listing.indexOf('\0') + 1 || undefined);
  const m = /^cpu( [a-z0-9 ]*)?\0$/.exec(rec);
  return m ? { aes: (m[1] ?? '').split(' ').includes('aes') } : undefined;
}

/** Where the onsite CPU record lives (the offsite store's state/onsite-cpu.json). */
export interface OnsiteCpuFile {
  onsiteCpu: string;
}

/** What the last listing said of the onsite CPU (state/onsite-cpu.json), undefined before the first one. */
export function readOnsiteCpu(p: OnsiteCpuFile): { aes: boolean } | undefined {
  const j = readJson(p.onsiteCpu) as { aes?: unknown } | undefined;
  return typeof j?.aes === 'boolean' ? { aes: j.aes } : undefined;
}

/**
 * Keeps what a listing said of the onsite CPU for the next run's connection (written only when it changed) and
 * returns it. A listing without the record (an onsite Pi provisioned before it) counts as no AES instructions.
 */
export function recordOnsiteCpu(p: OnsiteCpuFile, reported: { aes: boolean } | undefined): { aes: boolean } {
  const cpu = reported ?? { aes: false };
  if (readOnsiteCpu(p)?.aes !== cpu.aes) writeFileAtomic(p.onsiteCpu, `${JSON.stringify(cpu)}\n`);
  return cpu;
}

/**
 * The ciphers the pull transfer offers, in order, or undefined for OpenSSH's default order: AES-GCM first only
 * with `cipher: auto` and AES instructions on both sides (the onsite side as its listing reported it).
 */
export function transferCiphers(
  choice: OffsiteConfig['cipher'],
  localAes: boolean,
  onsite: { aes: boolean } | undefined,
): readonly string[] | undefined {
  return choice === 'auto' && localAes && onsite?.aes ? AES_FIRST : undefined;
}
