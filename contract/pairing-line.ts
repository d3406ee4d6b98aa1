import { z } from 'zod';
import { Name } from './config.js';
import { StatusKeyFingerprint } from './pi-status.js';

/*
 * The lines pasted between the machines of a paired setup (`restray-pi setup offsite|onsite`, and the app's
 * setup wizard): `restray-pair:1:<kind>:<base64url of the JSON payload>:<CRC-32 of everything before it>`.
 * One line, versioned, self-checking (a truncated or mistyped line fails the checksum, not later on a Pi), and
 * public by construction: every field is a public key, a fingerprint, a name, a port or a path. The schemas are
 * strict, so a field that could carry a secret cannot be slipped in. Pure: no Node, no DOM.
 */

export const PAIRING_PREFIX = 'restray-pair';
export const PAIRING_VERSION = 1;

/** An OpenSSH public key line (type, base64, optional comment without quotes or line breaks). */
export const SshPublicKeyLine = z
  .string()
  .regex(
    /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com) [A-Za-z0-9+/]+={0,2}( [^"\r\n]*)?$/,
    'an OpenSSH public key line (ssh-ed25519 AAAA…)',
  );

const Port = z.number().int().min(1).max(65535);
// Absolute and normal: no `.` or `..` segment, no empty segment, no quote or control character.
const AbsPath = z
  .string()
  .max(1024)
  .regex(/^(\/[^/"'\\]+)+$/, 'an absolute path')
  .refine(
    (p) => ![...p].some((c) => c.charCodeAt(0) < 32 || c.charCodeAt(0) === 127),
    'no control characters',
  )
  .refine((p) => !p.split('/').some((s) => s === '.' || s === '..'), 'an absolute path without . or ..');
const Account = z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/, 'an account name');
const Host = z.string().regex(/^[A-Za-z0-9._:-]{1,253}$/, 'a host name or address');

/** Shown by the app for a repository: its key, to be allowed on the onsite Pi. */
export const WorkstationPairing = z
  .object({
    /** The repository's name in Restray (names the onsite folders and the offsite configuration). */
    name: Name,
    /** The repository's SSH public key. */
    key: SshPublicKeyLine,
    mode: z.enum(['append-only', 'sftp']),
    /** The account the app logs in as and the repository folder, as typed in the setup wizard. */
    user: Account,
    path: AbsPath,
  })
  .strict();
export type WorkstationPairing = z.infer<typeof WorkstationPairing>;

/** Printed by `restray-pi setup offsite`: the offsite Pi's keys for the onsite Pi, and its status fingerprint. */
export const OffsitePairing = z
  .object({
    /** The offsite Pi's name (its host name), shown to compare. */
    name: Host,
    /** Key set on the offsite Pi (one per repository on one onsite Pi; `main` unless a second is needed). */
    keys: Name,
    pullKey: SshPublicKeyLine,
    statusKey: SshPublicKeyLine,
    /** The status signing key's fingerprint, pinned by the app (offsiteStatusKey). */
    signingKey: StatusKeyFingerprint,
  })
  .strict();
export type OffsitePairing = z.infer<typeof OffsitePairing>;

/** Printed by `restray-pi setup onsite`: where and as whom the offsite Pi reaches the repository. */
export const OnsitePairing = z
  .object({
    /** The repository's name (from the workstation line). */
    name: Name,
    /** The key set of the offsite line it answers. */
    keys: Name,
    host: Host,
    port: Port,
    /** The onsite sshd's public host key (`ssh-ed25519 AAAA…`): pinned by the offsite Pi. */
    hostKey: SshPublicKeyLine,
    /** Its fingerprint (`SHA256:…`, as ssh-keygen -lf prints it), shown to compare. */
    hostKeyFingerprint: z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}$/),
    pullUser: Account,
    statusUser: Account,
    repo: AbsPath,
    statusDir: AbsPath,
  })
  .strict();
export type OnsitePairing = z.infer<typeof OnsitePairing>;

const schemas = { workstation: WorkstationPairing, offsite: OffsitePairing, onsite: OnsitePairing };
export type PairingKind = keyof typeof schemas;
export type PairingPayload<K extends PairingKind> = z.infer<(typeof schemas)[K]>;

/** Why a line was refused; texts in English and German come from {@link pairingErrorText}. */
export type PairingProblem =
  | { problem: 'not-a-line' }
  | { problem: 'version'; version: string }
  | { problem: 'checksum' }
  | { problem: 'wrong-kind'; expected: PairingKind; got: string }
  | { problem: 'payload'; detail: string };

export type PairingParse<K extends PairingKind> =
  { ok: true; kind: K; payload: PairingPayload<K> } | ({ ok: false } & PairingProblem);

/** Encodes a payload as one line. Throws (a bug) when the payload does not fit its schema. */
export function encodePairingLine<K extends PairingKind>(kind: K, payload: PairingPayload<K>): string {
  const checked = schemas[kind].parse(payload);
  const body = `${PAIRING_PREFIX}:${PAIRING_VERSION}:${kind}:${base64url(new TextEncoder().encode(JSON.stringify(checked)))}`;
  return `${body}:${crc32hex(body)}`;
}

/**
 * Parses a pasted line of the expected kind. Whitespace anywhere (a line broken by a terminal or a mail
 * client) and surrounding quotes are ignored. Never throws: a refused line says why, and a parse that failed
 * has changed nothing anywhere.
 */
export function parsePairingLine<K extends PairingKind>(text: string, expected: K): PairingParse<K> {
  const line = text.replace(/\s+/g, '').replace(/^['"]|['"]$/g, '');
  const parts = line.split(':');
  if (parts[0] !== PAIRING_PREFIX || parts.length !== 5) {
    // A line cut before its checksum still starts right: say so rather than "not a line".
    if (parts[0] === PAIRING_PREFIX && parts.length < 5) return { ok: false, problem: 'checksum' };
    return { ok: false, problem: 'not-a-line' };
  }
  const [, version, kind, data, sum] = parts as [string, string, string, string, string];
  if (version !== String(PAIRING_VERSION)) return { ok: false, problem: 'version', version };
  if (crc32hex(line.slice(0, line.length - sum.length - 1)) !== sum)
    return { ok: false, problem: 'checksum' };
  if (kind !== expected) return { ok: false, problem: 'wrong-kind', expected, got: kind };
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(unbase64url(data)));
  } catch {
    return { ok: false, problem: 'payload', detail: 'not JSON' };
  }
  const r = schemas[expected].safeParse(json);
  if (!r.success)
    return {
      ok: false,
      problem: 'payload',
      detail: r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '),
    };
  return { ok: true, kind: expected, payload: r.data as PairingPayload<K> };
}

const kindName = {
  en: { workstation: "the app's line", offsite: "the offsite Pi's line", onsite: "the onsite Pi's line" },
  de: {
    workstation: 'die Zeile der App',
    offsite: 'die Zeile des externen Pi',
    onsite: 'die Zeile des Pi vor Ort',
  },
} as const;

/** The refusal as one sentence in English or German, naming what was expected. Pure. */
export function pairingErrorText(p: PairingProblem, expected: PairingKind, lang: 'en' | 'de'): string {
  const want = kindName[lang][expected];
  const got = (k: string) =>
    k in kindName[lang] ? kindName[lang][k as PairingKind] : lang === 'de' ? `„${k}“` : `"${k}"`;
  switch (p.problem) {
    case 'not-a-line':
      return lang === 'de'
        ? `Das ist keine Restray-Kopplungszeile (sie beginnt mit ${PAIRING_PREFIX}:); erwartet: ${want}.`
        : `This is not a Restray pairing line (it starts with ${PAIRING_PREFIX}:); expected ${want}.`;
    case 'version':
      return lang === 'de'
        ? `Die Zeile hat Version ${p.version}; dieses Programm kennt Version ${PAIRING_VERSION}. Beide Seiten aktualisieren.`
        : `The line has version ${p.version}; this program knows version ${PAIRING_VERSION}. Update both sides.`;
    case 'checksum':
      return lang === 'de'
        ? `Die Zeile ist unvollständig oder verändert (Prüfsumme falsch): ${want} noch einmal vollständig kopieren.`
        : `The line is truncated or altered (checksum mismatch): copy ${want} again, completely.`;
    case 'wrong-kind':
      return lang === 'de'
        ? `Das ist ${got(p.got)}; hier gehört ${want} hin.`
        : `This is ${got(p.got)}; ${want} belongs here.`;
    case 'payload':
      return lang === 'de'
        ? `Der Inhalt der Zeile ist ungültig (${p.detail}): ${want} noch einmal erzeugen.`
        : `The line's content is invalid (${p.detail}): make ${want} again.`;
  }
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function base64url(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = [18, 12, 6, 0].map((s) => B64[(n >> s) & 63]!);
    out += chars.slice(0, Math.min(4, bytes.length - i + 1)).join('');
  }
  return out;
}

function unbase64url(s: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(s) || s.length % 4 === 1) throw new Error('not base64url');
  const out: number[] = [];
  for (let i = 0; i < s.length; i += 4) {
    const chunk = s.slice(i, i + 4);
    const n = [...chunk.padEnd(4, 'A')].reduce((acc, c) => (acc << 6) | B64.indexOf(c), 0);
    const bytes = [(n >> 16) & 255, (n >> 8) & 255, n & 255];
    out.push(...bytes.slice(0, chunk.length - 1));
  }
  return Uint8Array.from(out);
}

let table: Uint32Array | undefined;

/** CRC-32 (IEEE) of the line's UTF-8 bytes, 8 lower-case hex digits: catches truncation and typos. */
function crc32hex(text: string): string {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (const b of new TextEncoder().encode(text)) crc = table[(crc ^ b) & 255]! ^ (crc >>> 8);
  return ((crc ^ 0xffffffff) >>> 0).toString(16).padStart(8, '0');
}
