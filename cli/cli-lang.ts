import type { AdviceLang } from '../contract/chain-advice.js';

/** The languages of the CLI's messages (the same as the app's and `contract/chain-advice.ts`'s). */
export type CliLang = AdviceLang;

/**
 * The language of the CLI: the configured one (`settings.language`), else German when the locale environment
 * (LC_ALL, LC_MESSAGES, LANG, in that order, as POSIX reads them) names it, else English.
 */
export function cliLang(setting: string | undefined, env: NodeJS.ProcessEnv): CliLang {
  if (setting === 'en' || setting === 'de') return setting;
  const locale = env.LC_ALL || env.LC_MESSAGES || env.LANG || '';
  return locale.toLowerCase().startsWith('de') ? 'de' : 'en';
}
