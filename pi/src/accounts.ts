/*
 * The accounts restray-pi uses on the two Pis, by default. One place: the systemd units (pi/systemd), the
 * package's postinst (scripts/package-pi.mjs) and `provision` name the same accounts; a unit test
 * (accounts.test.ts) checks that the units and the postinst agree with these constants.
 */

/**
 * The offsite Pi's run account: `sync` (pull and push receive), `reverify` and `prune` run as it and it owns the
 * store's folders (generations, state, staging); never root. It has no login: no shell, no keys.
 */
export const OFFSITE_ACCOUNT = 'restray-offsite';

/** The offsite Pi's push account (rrsync -wo into incoming/), default of `provision offsite --push-user`. */
export const PUSH_ACCOUNT = 'restray-push';

/** The offsite Pi's restore account (chrooted read-only SFTP), default of `provision offsite --restore-user`. */
export const RESTORE_ACCOUNT = 'restray-restore';

/** The shell of accounts that never run a command (internal-sftp and the run account). */
export const NO_LOGIN_SHELL = '/usr/sbin/nologin';
