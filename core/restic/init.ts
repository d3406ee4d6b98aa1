import { decodeMessage } from './json-lines.js';
import { InitMsg } from './messages.js';
import { callOptions, runRestic, type CallOptions, type ResticContext } from './runner.js';

export interface InitResult {
  /** restic's repository ID (10 hex characters in 0.14's text, the full ID in ≥ 0.15's JSON). */
  repositoryId: string | undefined;
}

/**
 * `restic init`: creates a repository at the context's location, encrypted with the context's password.
 *
 * Exit statuses: 0. Errors: `repo-exists` when a repository is already there; SSH kinds, `permission-denied`,
 * `no-space` from the transport; `failed` otherwise. Side effects: writes config, a key and the directory
 * skeleton; the password is needed for every later access.
 */
export async function init(ctx: ResticContext, opts: CallOptions = {}): Promise<InitResult> {
  let id: string | undefined;
  const r = await runRestic(ctx, {
    ...callOptions(opts),
    args: ['init', '--json'],
    onJson: (v) => {
      id = decodeMessage(InitMsg, v)?.id ?? id;
    },
  });
  // restic 0.14 ignores --json here and prints `created restic repository 3a315f3631 at /path`.
  id ??= /created restic repository ([0-9a-f]+)/.exec(r.stdoutTail)?.[1];
  return { repositoryId: id };
}
