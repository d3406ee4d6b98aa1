import { boundText, RestrayError, toErrorInfo } from '../core/errors.js';
import type { CliLang } from './cli-lang.js';
import { localizedError, unexpectedNote } from './error-text.js';
import { exitCodeFor } from './exit-codes.js';

/**
 * Prints a failure as exactly one line on stderr and returns its exit status. Expected failures give their
 * message and hint; anything else (a bug, or a file-system error nobody mapped) is logged with its stack
 * (see logUnexpected) and the line says where. Texts are bounded (4 KB) and line breaks folded, so that even
 * a 50 MB broken config makes one readable line. The line is in `ctx.lang` (English when unset; see
 * error-text.ts).
 */
export function reportFailure(
  ctx: { err: NodeJS.WritableStream; logBug(e: unknown): string | undefined; lang?: CliLang },
  e: unknown,
): number {
  const info = toErrorInfo(e);
  const known = e instanceof RestrayError || info.kind !== 'failed';
  const logged = known ? undefined : ctx.logBug(e);
  const note = known ? '' : unexpectedNote(ctx.lang ?? 'en', logged);
  const shown = localizedError(info, ctx.lang ?? 'en');
  const text = `${shown.message}${shown.hint ? ` ${shown.hint}` : ''}`.replace(/\s*[\r\n]+\s*/g, ' ');
  ctx.err.write(`restray: ${boundText(text)}${note}\n`);
  return exitCodeFor(info.kind);
}
