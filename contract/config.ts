import { z } from 'zod';
import { StatusKeyFingerprint } from './pi-status.js';

/** Names of repositories and plans: short, safe in file names and keychain accounts. */
export const Name = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/,
    'use 1-64 letters, digits, dot, dash or underscore, starting with a letter or digit',
  );

const sshFields = {
  user: z.string().min(1),
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).default(22),
  /** Private key Restray generated for this repository (a path; the key itself never leaves the file). */
  sshKey: z.string().min(1),
  /** known_hosts file owned by Restray with the Pi's pinned host key. */
  knownHosts: z.string().min(1),
};

/**
 * Where a repository lives. `local`: a folder or USB disk. `sftp`: restic over SFTP with full access.
 * `append-only`: the Pi's forced command is `rclone serve restic --stdio --append-only`, so this workstation can
 * add snapshots but never delete; forget/prune then run on the Pi.
 */
export const RepoTarget = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('local'), path: z.string().min(1) }),
  z.object({ kind: z.literal('sftp'), path: z.string().min(1), ...sshFields }),
  z.object({ kind: z.literal('append-only'), path: z.string().default('/'), ...sshFields }),
]);
export type RepoTarget = z.infer<typeof RepoTarget>;

/** Read-only access to the offsite Pi's verified generations (restore when the onsite Pi is gone). */
export const OffsiteAccess = z.object({
  user: z.string().min(1),
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).default(22),
  sshKey: z.string().min(1),
  knownHosts: z.string().min(1),
  /** Folder on the offsite Pi that holds generations/<time>/. */
  path: z.string().min(1),
});
export type OffsiteAccess = z.infer<typeof OffsiteAccess>;

export const Repository = z.object({
  name: Name,
  /**
   * Stable random id, set when the repository is added: the keychain entry is named after it, so two
   * configurations on one machine (several users' workstations in a lab, a renamed repository) never share
   * or overwrite each other's password.
   */
  id: z
    .string()
    .regex(/^[a-f0-9-]{8,64}$/)
    .optional(),
  target: RepoTarget,
  /**
   * Account on the onsite Pi whose forced command prints the offsite status (offsite.json) that restray-pi
   * publishes there; the repository's own SSH key logs in to it (restray-pi provision adds that line).
   * Absent: no offsite Pi is set up.
   */
  offsiteStatusUser: z.string().min(1).optional(),
  /**
   * Fingerprint of the offsite Pi's status key (`restray-pi status --signing-key` prints it), pinned when the
   * offsite Pi is connected: only documents it signed count. Absent (setups from config version 1): statuses are
   * read unsigned, with a warning.
   */
  offsiteStatusKey: StatusKeyFingerprint.optional(),
  offsite: OffsiteAccess.optional(),
  /**
   * When restore drills run (core/drill): a cron expression, default monthly (`0 12 1 * *`), or `off`. Drills
   * run only for repositories a plan backs up, never on battery and never beside a backup of the repository.
   */
  drillSchedule: z.string().min(1).optional(),
});
export type Repository = z.infer<typeof Repository>;

const count = z.number().int().min(0).max(100_000);
/** restic forget policy; `within` is a restic duration such as `30d` or `1y2m`. */
export const Retention = z
  .object({
    keepLast: count.optional(),
    keepHourly: count.optional(),
    keepDaily: count.optional(),
    keepWeekly: count.optional(),
    keepMonthly: count.optional(),
    keepYearly: count.optional(),
    keepWithin: z
      .string()
      .regex(/^(\d+[yhmd])+$/, 'a duration such as 30d, 6m or 1y2m (y, m, d, h)')
      .optional(),
  })
  .strict();
export type Retention = z.infer<typeof Retention>;

/**
 * The retention a new plan gets (setup wizard, `restray plan add` without keep flags): every snapshot of the
 * last 48 hours (a "keep 24 hourly" rule would still drop the earlier of two backups in one hour), then 7 daily,
 * 4 weekly and 12 monthly — so "this morning's version" survives the next backup's forget, as KopiaUI (48
 * hourly), Vorta (keep_within 10H) and Time Machine (24 h of hourly) keep it. keepWithin also resists fake
 * future-dated snapshots (restic ≥ 0.13 ignores them for its anchor).
 */
export const DEFAULT_RETENTION: Retention = {
  keepWithin: '48h',
  keepDaily: 7,
  keepWeekly: 4,
  keepMonthly: 12,
};

/** True when a policy keeps no snapshot at all (every count 0 or absent, no keepWithin): forget would remove all. */
export function keepsNothing(r: Retention | undefined): boolean {
  if (!r) return true;
  const { keepWithin, ...counts } = r;
  return !keepWithin && Object.values(counts).every((n) => !n);
}

export const Conditions = z
  .object({
    /** Skip scheduled runs while on battery; they run when power returns. */
    notOnBattery: z.boolean().default(false),
  })
  .strict();

export const Plan = z.object({
  name: Name,
  repo: Name,
  paths: z.array(z.string().min(1)).min(1, 'name at least one folder to back up'),
  excludes: z.array(z.string().min(1)).default([]),
  /** Five-field cron expression (minute hour day month weekday), or absent for manual runs only. */
  schedule: z.string().optional(),
  retention: Retention.optional(),
  /** Run forget + prune after each backup when a retention policy is set (never for append-only targets). */
  prune: z.boolean().default(true),
  limitUploadKiB: z.number().int().positive().optional(),
  conditions: Conditions.default({ notOnBattery: false }),
  /**
   * Plans without a schedule: the chain is `at-risk` when their newest snapshot is older than this (default 24;
   * core/status/freshness.ts). Scheduled plans are judged by their interval instead. Optional, so files of
   * config version 1 stay valid without a migration.
   */
  maxAgeHours: z
    .number()
    .int()
    .min(1)
    .max(24 * 365)
    .optional(),
});
export type Plan = z.infer<typeof Plan>;

export const NotificationLevel = z.enum(['errors', 'warnings', 'all']);
export const Notifications = z.object({
  level: NotificationLevel.default('warnings'),
  /** Warn when no backup succeeded for this many days. */
  staleAfterDays: z.number().int().min(1).max(365).default(3),
  /** Warn when the newest snapshot has not reached the offsite Pi after this many hours. */
  offsiteLagHours: z
    .number()
    .int()
    .min(1)
    .max(24 * 30)
    .default(24),
});
export type Notifications = z.infer<typeof Notifications>;

export const Settings = z.object({
  language: z.enum(['en', 'de']).optional(),
  launchAtLogin: z.boolean().default(false),
  /** restic binary; default: `restic` on PATH. */
  resticPath: z.string().optional(),
  /**
   * The host name this configuration's snapshots carry (restic `--host`, and the host filter of forget and of the
   * chain status); default: the machine's name. Set it when several workstations share one repository under the
   * same machine name (cloned machines, several configurations on one machine), so each sees its own chain.
   */
  hostname: z
    .string()
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9.-]{0,63}$/,
      'use 1-64 letters, digits, dot or dash, starting with a letter or digit',
    )
    .optional(),
});
export type Settings = z.infer<typeof Settings>;

export const CONFIG_VERSION = 2;

export const Config = z
  .object({
    version: z.literal(CONFIG_VERSION),
    repositories: z.array(Repository).default([]),
    plans: z.array(Plan).default([]),
    notifications: Notifications.default({ level: 'warnings', staleAfterDays: 3, offsiteLagHours: 24 }),
    settings: Settings.default({ launchAtLogin: false }),
    /** Scheduled runs are paused until this time (ISO 8601). */
    pausedUntil: z.string().datetime().optional(),
  })
  .superRefine((c, ctx) => {
    const repoNames = new Set<string>();
    c.repositories.forEach((r, i) => {
      if (repoNames.has(r.name))
        ctx.addIssue({
          code: 'custom',
          path: ['repositories', i, 'name'],
          message: `duplicate repository name "${r.name}"`,
        });
      repoNames.add(r.name);
    });
    const planNames = new Set<string>();
    c.plans.forEach((p, i) => {
      if (planNames.has(p.name))
        ctx.addIssue({
          code: 'custom',
          path: ['plans', i, 'name'],
          message: `duplicate plan name "${p.name}"`,
        });
      planNames.add(p.name);
      if (!repoNames.has(p.repo))
        ctx.addIssue({
          code: 'custom',
          path: ['plans', i, 'repo'],
          message: `no repository named "${p.repo}"`,
        });
    });
  });
export type Config = z.infer<typeof Config>;
