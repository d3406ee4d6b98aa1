// The restic driver: one runner, typed messages and errors, one file per verb.
// Use it as a namespace: `import * as restic from '../restic/index.js'; await restic.backup(ctx, …)`.
export { runRestic, buildChildEnv, callOptions } from './runner.js';
export type { ResticContext, CallOptions, RunOptions, RunResult } from './runner.js';
export { ResticError, classifyResticFailure, lastMeaningfulLine, resticMessages } from './errors.js';
export {
  version,
  parseResticVersion,
  resticAtLeast,
  resticFeatures,
  detectResticVersion,
  featuresOf,
  MIN_RESTIC_VERSION,
  type ResticFeatures,
} from './version.js';
export { init, type InitResult } from './init.js';
export { snapshots, type SnapshotsOptions } from './snapshots.js';
export { backup, backupArgs, BACKUP_RETRY_LOCK, type BackupOptions } from './backup.js';
export { forget, retentionArgs, type ForgetOptions } from './forget.js';
export { prune, type PruneOptions, type PruneResult } from './prune.js';
export { check, validReadDataSubset, type CheckOptions, type CheckResult } from './check.js';
export { ls, type LsOptions, type LsResult } from './ls.js';
export { lsStream, type LsStreamOptions, type LsStreamResult } from './ls-stream.js';
export { find, findPacks, type FindOptions, type FindPacksOptions, type FindPacksResult } from './find.js';
export { diff, type DiffOptions, type DiffResult } from './diff.js';
export { restore, type RestoreOptions } from './restore.js';
export { unlock, type UnlockOptions } from './unlock.js';
export { stats, type StatsOptions } from './stats.js';
export {
  keyPasswd,
  keyAdd,
  keyRemove,
  currentKeyId,
  checkNewPassword,
  type KeyPasswdOptions,
} from './key-passwd.js';
