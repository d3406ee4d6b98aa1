/*
 * The accounts restray-pi uses on the two Pis, by default. One place: the systemd units (pi/systemd), the
 * package's postinst (scripts/package-pi.mjs) and `provision` name the same accounts; a unit test
 * (accounts.test.ts) checks that the units and the postinst agree with these constants.
 */

/**
 * The offsite Pi's run account: `sync` (pull and push receive), `reverify` and `prune` run as it and it owns the
 * store's folders (generations, state, staging); never root. In pull mode it has no keys, so nobody logs in.
 */
export const OFFSITE_ACCOUNT = 'restray-offsite';

/**
 * The offsite Pi's push account (rrsync -wo -no-del -no-overwrite into incoming/), default of `provision offsite
 * --push-user`: the run account itself. The receive step takes over each pushed file (chmod 0444) and hardlinks
 * it into the generation, which the kernel allows only to the file's owner (fs.protected_hardlinks) or root; the
 * key's forced command keeps it inside incoming/, able to add files only.
 */
export const PUSH_ACCOUNT = OFFSITE_ACCOUNT;

/** The offsite Pi's restore account (chrooted read-only SFTP), default of `provision offsite --restore-user`. */
export const RESTORE_ACCOUNT = 'restray-restore';

/** The shell of accounts that never run a command (the restore account: internal-sftp runs inside sshd). */
export const NO_LOGIN_SHELL = '/usr/sbin/nologin';
