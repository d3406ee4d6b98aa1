import type { Job } from '../contract/app-state.js';
import type { Engine } from '../core/engine/engine.js';
import type { CliContext } from './cli-context.js';
import type { CliLang } from './cli-lang.js';

type Waiting = NonNullable<Job['waitingFor']>;

const WHERE: Record<CliLang, Record<Waiting['role'], string>> = {
  en: { tray: 'in the tray app', daemon: 'in the Restray daemon', cli: 'in another restray command' },
  de: { tray: 'in der Tray-App', daemon: 'im Restray-Dienst', cli: 'in einem anderen restray-Befehl' },
};
const KIND_DE: Record<string, string | undefined> = {
  backup: 'Eine Sicherung',
  forget: 'Ein Aufräumen',
  prune: 'Eine Bereinigung',
  check: 'Eine Prüfung',
  restore: 'Eine Wiederherstellung',
};

/** `a backup of "home" is already running in the tray app (process 4242); waiting for it to finish.` */
export function waitingLine(w: Waiting, lang: CliLang = 'en'): string {
  if (lang === 'de')
    return `${KIND_DE[w.kind] ?? w.kind} von „${w.name}“ läuft schon ${WHERE.de[w.role]} (Prozess ${w.pid}); Restray wartet, bis das fertig ist.`;
  return `A ${w.kind} of "${w.name}" is already running ${WHERE.en[w.role]} (process ${w.pid}); waiting for it to finish.`;
}

/**
 * Prints one line on stderr each time a job of this command starts to wait for another Restray process's work
 * on the same repository (see core/jobs/repo-lock.ts), in `ctx.lang`. Returns the unsubscribe function.
 */
export function noticeWaiting(ctx: CliContext, engine: Engine, jobId: string): () => void {
  let last: string | undefined;
  return engine.subscribe((e) => {
    if (e.type !== 'job-updated' || e.job.id !== jobId || !e.job.waitingFor) return;
    const line = waitingLine(e.job.waitingFor, ctx.lang);
    if (line !== last) ctx.err.write(`restray: ${line}\n`);
    last = line;
  });
}
