import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { PiError } from './errors.js';

/** Default location of the config file; `--config` overrides it. */
export const DEFAULT_CONFIG_PATH = '/etc/restray-pi/config.json';

const port = z.number().int().min(1).max(65535).default(22);
const absPath = z.string().regex(/^\//, 'an absolute path');
const count = z.number().int().min(0).max(100_000);
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time of day HH:MM (24 h)');

/** An SSH endpoint with a pinned host key: restray-pi never accepts an unknown or changed host key. */
export const SshEndpoint = z
  .object({
    host: z.string().min(1),
    port,
    user: z.string().min(1),
    /** Private key file (0600); the key never leaves it. */
    sshKey: absPath,
    /** known_hosts with the other Pi's pinned host key (StrictHostKeyChecking=yes). */
    knownHosts: absPath,
  })
  .strict();
export type SshEndpoint = z.infer<typeof SshEndpoint>;

export const SshTiming = z
  .object({
    connectTimeout: z.number().int().min(1).max(120).default(15),
    serverAliveInterval: z.number().int().min(1).max(60).default(10),
    serverAliveCountMax: z.number().int().min(1).max(10).default(3),
  })
  .strict()
  .refine((t) => t.serverAliveInterval * t.serverAliveCountMax <= 50, {
    message:
      'serverAliveInterval × serverAliveCountMax must stay ≤ 50 s so a stalled link ends the run within 60 s',
  });
export type SshTiming = z.infer<typeof SshTiming>;

/** Retention over offsite generations (restic's forget semantics, applied to generation times). */
export const GenerationRetention = z
  .object({
    keepLast: count.optional(),
    keepDaily: count.default(7),
    keepWeekly: count.default(4),
    keepMonthly: count.default(12),
    keepYearly: count.optional(),
    /** Keep every generation younger than this many days. */
    keepWithinDays: count.optional(),
  })
  .strict();
export type GenerationRetention = z.infer<typeof GenerationRetention>;

export const OffsiteConfig = z
  .object({
    /** Holds generations/, staging/, state/ (same file system: promotion is a rename). */
    root: absPath,
    /** pull: this Pi fetches over the onsite `rrsync -ro` key. push: the onsite Pi writes into incoming/. */
    mode: z.enum(['pull', 'push']).default('pull'),
    /** The onsite repository, reached through its read-only pull key (pull mode). */
    source: SshEndpoint.optional(),
    /**
     * Push mode: the directory the onsite push key writes into (its forced command is
     * `rrsync -wo -no-del -no-overwrite <incoming>`). Same file system as root: verified files are hardlinked
     * from here into the generation. Default <root>/incoming.
     */
    incoming: absPath.optional(),
    /**
     * Where to publish offsite.json: the onsite status-writer account, whose forced command replaces offsite.json
     * (`file` names the document only for an onsite Pi still provisioned with `rrsync -wo`).
     */
    publish: SshEndpoint.extend({
      file: z
        .string()
        .regex(/^[A-Za-z0-9._-]+$/)
        .default('offsite.json'),
    })
      .strict()
      .optional(),
    ssh: SshTiming.default({ connectTimeout: 15, serverAliveInterval: 10, serverAliveCountMax: 3 }),
    /**
     * The pull transfer's cipher. `auto`: AES-GCM first when both Pis' CPUs have AES instructions (the onsite
     * Pi reports its own with the listing, see cipher.ts), else OpenSSH's default order (ChaCha20-Poly1305 first,
     * the faster one without them, e.g. on a Pi 4). `openssh`: always OpenSSH's default order.
     */
    cipher: z.enum(['auto', 'openssh']).default('auto'),
    rsync: z
      .object({
        /** rsync's own I/O timeout (s): a second guard against a stalled link. */
        timeout: z.number().int().min(5).max(55).default(45),
        bwlimitKiB: z.number().int().positive().optional(),
        rsyncPath: z.string().default('rsync'),
      })
      .strict()
      .default({ timeout: 45, rsyncPath: 'rsync' }),
    locks: z
      .object({
        /** How long a run waits for onsite locks (an operation in progress) before it gives up. */
        waitSeconds: z
          .number()
          .int()
          .min(0)
          .max(6 * 3600)
          .default(1800),
        pollSeconds: z.number().min(0.05).max(600).default(30),
        /** restic refreshes its locks every 5 min; older ones are stale leftovers and ignored. */
        staleAfterMinutes: z.number().int().min(1).default(30),
      })
      .strict()
      .default({ waitSeconds: 1800, pollSeconds: 30, staleAfterMinutes: 30 }),
    guard: z
      .object({
        /**
         * Share of a generation's pack bytes that may be lost net at the source (gone or overwritten, minus the
         * bytes of new packs) before a run blocks; compared with the newest generation and the window reference.
         */
        maxLostShare: z.number().min(0).max(1).default(0.2),
        /** Share of a generation's snapshot files that may vanish before a run blocks (all of them always blocks). */
        maxLostSnapshotShare: z.number().min(0).max(1).default(0.5),
        /** The window reference is the newest generation at least this many hours old (see pi/README.md). */
        windowHours: z
          .number()
          .min(0)
          .max(24 * 30)
          .default(24),
        /** A generation holding a file no newer one holds is kept until that file is this many days gone onsite. */
        keepRemovedDays: z.number().min(0).max(3650).default(30),
      })
      .strict()
      .default({ maxLostShare: 0.2, maxLostSnapshotShare: 0.5, windowHours: 24, keepRemovedDays: 30 }),
    retention: GenerationRetention.default({ keepDaily: 7, keepWeekly: 4, keepMonthly: 12 }),
    verify: z
      .object({
        /** Every stored file is re-hashed once per this many runs (bit rot). 0 disables re-verification. */
        rotationRuns: z.number().int().min(0).max(3650).default(30),
        /** Files hashed at once; hashing runs on libuv's thread pool, so this spreads over cores. */
        concurrency: z.number().int().min(1).max(64).default(4),
        /** Run `restic check` on the new generation (needs the `restic-password` secret on this Pi). */
        resticCheck: z.boolean().default(false),
        resticPath: z.string().default('restic'),
      })
      .strict()
      .default({ rotationRuns: 30, concurrency: 4, resticCheck: false, resticPath: 'restic' }),
    /** Runs started by a timer outside this window exit without syncing (manual runs always go). */
    window: z.object({ start: hhmm, end: hhmm }).strict().optional(),
    /** Alert when no run succeeded for this long. */
    staleAfterHours: z
      .number()
      .min(1)
      .max(24 * 90)
      .default(36),
  })
  .strict()
  .superRefine((o, ctx) => {
    if (o.mode === 'pull' && !o.source)
      ctx.addIssue({
        code: 'custom',
        path: ['source'],
        message: 'pull mode needs the onsite source endpoint',
      });
  });
export type OffsiteConfig = z.infer<typeof OffsiteConfig>;

export const OnsiteConfig = z
  .object({
    /** The restic repository the workstations write to. */
    repository: absPath,
    /** restic forget policy for `maintain`; prefer keepWithin on append-only repositories. */
    forget: z
      .object({
        keepWithin: z
          .string()
          .regex(/^(\d+[yhmd])+$/, 'a duration such as 30d, 6m or 1y2m')
          .optional(),
        keepWithinDaily: z
          .string()
          .regex(/^(\d+[yhmd])+$/)
          .optional(),
        keepWithinWeekly: z
          .string()
          .regex(/^(\d+[yhmd])+$/)
          .optional(),
        keepWithinMonthly: z
          .string()
          .regex(/^(\d+[yhmd])+$/)
          .optional(),
        keepLast: count.optional(),
        keepDaily: count.optional(),
        keepWeekly: count.optional(),
        keepMonthly: count.optional(),
        prune: z.boolean().default(true),
      })
      .strict()
      .default({ keepWithin: '30d', prune: true }),
    resticPath: z.string().default('restic'),
    /**
     * Push mode (`restray-pi push`): the offsite Pi's push account, which may only add files to its incoming
     * directory. Pull mode needs nothing here: the onsite Pi then holds no key for the offsite Pi.
     */
    push: z
      .object({
        target: SshEndpoint,
        ssh: SshTiming.default({ connectTimeout: 15, serverAliveInterval: 10, serverAliveCountMax: 3 }),
        /** rsync's own I/O timeout (s). */
        timeout: z.number().int().min(5).max(55).default(45),
        bwlimitKiB: z.number().int().positive().optional(),
        rsyncPath: z.string().default('rsync'),
        /** How long a push waits for restic locks (an operation in progress) before it gives up. */
        lockWaitSeconds: z
          .number()
          .int()
          .min(0)
          .max(6 * 3600)
          .default(1800),
      })
      .strict()
      .optional(),
  })
  .strict();
export type OnsiteConfig = z.infer<typeof OnsiteConfig>;

export const AlertsConfig = z
  .object({
    /** Generic JSON POST (ntfy, Gotify bridges, chat webhooks); the URL comes from the `webhook-url` secret. */
    webhook: z.boolean().default(false),
    mail: z
      .object({
        to: z.array(z.string().regex(/^[^\s@<>]+@[^\s@<>]+$/, 'an e-mail address')).min(1),
        from: z.string().optional(),
        sendmail: z.string().default('/usr/sbin/sendmail'),
      })
      .strict()
      .optional(),
    /** healthchecks.io-style pings (`<url>/start`, `<url>`, `<url>/fail`); URL from the `healthchecks-url` secret. */
    healthchecks: z.boolean().default(false),
    /** Request timeout for webhook and pings (ms). */
    timeoutMs: z.number().int().min(100).max(60_000).default(10_000),
    /** The same alert (event and message) is repeated at most this often; 0 sends every time. */
    repeatAfterHours: z
      .number()
      .min(0)
      .max(24 * 30)
      .default(12),
  })
  .strict();
export type AlertsConfig = z.infer<typeof AlertsConfig>;

export const PI_CONFIG_VERSION = 1;

export const PiConfig = z
  .object({
    version: z.literal(PI_CONFIG_VERSION),
    /** Repository name as in the workstation's Restray config; shown in status and alerts. */
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'use 1-64 letters, digits, dot, dash or underscore'),
    onsite: OnsiteConfig.optional(),
    offsite: OffsiteConfig.optional(),
    alerts: AlertsConfig.default({
      webhook: false,
      healthchecks: false,
      timeoutMs: 10_000,
      repeatAfterHours: 12,
    }),
    /** Secrets file (JSON object of secret name → value), mode 0600. */
    secretsFile: absPath.default('/etc/restray-pi/secrets.json'),
  })
  .strict();
export type PiConfig = z.infer<typeof PiConfig>;

/** Formats zod issues as `field.path: message` lines, so every error names its field. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : '(root)'}: ${i.message}`).join('; ');
}

/**
 * Validates a parsed config object. Throws PiError `invalid-config` whose message names each bad field.
 */
export function parseConfig(raw: unknown, source = 'config'): PiConfig {
  const r = PiConfig.safeParse(raw);
  if (!r.success)
    throw new PiError('invalid-config', `${source} is invalid: ${describeIssues(r.error.issues)}`, {
      phase: 'config',
    });
  return r.data;
}

/**
 * Reads and validates the config file. Throws PiError `invalid-config` (unreadable file, bad JSON with its
 * position, or the fields that fail validation).
 */
export function loadConfig(path: string = DEFAULT_CONFIG_PATH): PiConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new PiError(
      'invalid-config',
      `Cannot read the config file ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}.`,
      {
        phase: 'config',
        hint: 'Create it (see pi/README.md) or pass --config <file>.',
      },
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new PiError('invalid-config', `${path} is not valid JSON: ${(e as Error).message}.`, {
      phase: 'config',
    });
  }
  return parseConfig(raw, path);
}

/** Names of the secrets restray-pi reads; each also comes from env `RESTRAY_PI_<NAME_UPPER_SNAKE>`. */
export const secretNames = ['webhook-url', 'webhook-token', 'healthchecks-url', 'restic-password'] as const;
export type SecretName = (typeof secretNames)[number];

export function secretEnvName(name: SecretName): string {
  return `RESTRAY_PI_${name.toUpperCase().replace(/-/g, '_')}`;
}

/** Reads secrets lazily and never logs or echoes them. */
export interface Secrets {
  get(name: SecretName): string | undefined;
  /** Where a file-based secret lives, when it does (a path can be handed to restic instead of the value). */
  filePath(name: SecretName): string | undefined;
}

/**
 * Secret lookup, first match wins: environment (`RESTRAY_PI_WEBHOOK_URL` …), the systemd credentials directory
 * (`$CREDENTIALS_DIRECTORY/<name>`, from LoadCredential=), then the secrets file. The secrets file must not be
 * readable by group or others; otherwise this throws PiError `invalid-config` naming the file, so a leaked
 * permission is noticed rather than silently used.
 */
export function loadSecrets(secretsFile: string, env: NodeJS.ProcessEnv = process.env): Secrets {
  let fileValues: Record<string, unknown> = {};
  let st: ReturnType<typeof statSync> | undefined;
  try {
    st = statSync(secretsFile);
  } catch {
    st = undefined;
  }
  if (st) {
    if ((st.mode & 0o077) !== 0)
      throw new PiError(
        'invalid-config',
        `The secrets file ${secretsFile} is readable by others (mode ${(st.mode & 0o777).toString(8)}).`,
        {
          phase: 'config',
          hint: `Run: chmod 600 ${secretsFile}`,
        },
      );
    try {
      const parsed: unknown = JSON.parse(readFileSync(secretsFile, 'utf8'));
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        throw new Error('not a JSON object');
      fileValues = parsed as Record<string, unknown>;
    } catch (e) {
      // The parser's message could quote a secret, so only name the file.
      throw new PiError(
        'invalid-config',
        `The secrets file ${secretsFile} is not a JSON object of names to strings.`,
        {
          phase: 'config',
          cause: e instanceof Error && !(e instanceof SyntaxError) ? e : undefined,
        },
      );
    }
    for (const [k, v] of Object.entries(fileValues)) {
      if (!(secretNames as readonly string[]).includes(k))
        throw new PiError(
          'invalid-config',
          `The secrets file ${secretsFile} has an unknown entry "${k}" (known: ${secretNames.join(', ')}).`,
          {
            phase: 'config',
          },
        );
      if (typeof v !== 'string' || v.length === 0)
        throw new PiError(
          'invalid-config',
          `The secrets file ${secretsFile}: "${k}" must be a non-empty string.`,
          { phase: 'config' },
        );
    }
  }
  const credDir = env.CREDENTIALS_DIRECTORY;
  const credPath = (name: SecretName): string | undefined => {
    if (!credDir) return undefined;
    const p = join(credDir, name);
    try {
      statSync(p);
      return p;
    } catch {
      return undefined;
    }
  };
  return {
    get(name) {
      const fromEnv = env[secretEnvName(name)];
      if (fromEnv) return fromEnv;
      const p = credPath(name);
      if (p) return readFileSync(p, 'utf8').replace(/\r?\n$/, '');
      const v = fileValues[name];
      return typeof v === 'string' ? v : undefined;
    },
    filePath(name) {
      if (env[secretEnvName(name)]) return undefined;
      return credPath(name);
    },
  };
}

/** Returns the offsite section or throws PiError naming the missing field. */
export function requireOffsite(c: PiConfig): OffsiteConfig {
  if (!c.offsite)
    throw new PiError('invalid-config', 'offsite: this command needs the "offsite" section of the config.', {
      phase: 'config',
    });
  return c.offsite;
}

/** Returns the onsite section or throws PiError naming the missing field. */
export function requireOnsite(c: PiConfig): OnsiteConfig {
  if (!c.onsite)
    throw new PiError('invalid-config', 'onsite: this command needs the "onsite" section of the config.', {
      phase: 'config',
    });
  return c.onsite;
}
