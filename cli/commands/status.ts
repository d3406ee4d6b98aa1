import type { Command } from 'commander';
import type { ChainStatus } from '../../contract/app-state.js';
import { drillLine } from '../../contract/drill-text.js';
import {
  drillAdvice,
  hopAdvice,
  safeNote,
  type Advice,
  type AdviceFormat,
  type AdviceLang,
} from '../../contract/chain-advice.js';
import { printJson, type CliContext } from '../cli-context.js';
import { planRunText, resultWord } from '../format.js';
import { cliLang } from '../cli-lang.js';

const verdictText: Record<AdviceLang, Record<ChainStatus['verdict'], string>> = {
  en: {
    safe: 'safe: the newest snapshot is on the onsite and the offsite Pi',
    'not-yet-offsite': 'not yet offsite',
    'no-offsite': 'onsite only (no offsite Pi configured)',
    'no-backup': 'no backup yet',
    unknown: 'unknown',
    'at-risk': 'at risk: the newest work is not backed up',
  },
  de: {
    safe: 'sicher: die neueste Sicherung ist auf dem Pi vor Ort und dem externen Pi',
    'not-yet-offsite': 'noch nicht extern',
    'no-offsite': 'nur vor Ort (kein externer Pi eingerichtet)',
    'no-backup': 'noch keine Sicherung',
    unknown: 'unbekannt',
    'at-risk': 'gefährdet: die neueste Arbeit ist nicht gesichert',
  },
};
/** The at-risk line when the offsite copy itself lacks data the newest snapshot needs (quarantine-verdict.ts). */
const missingOffsiteText: Record<AdviceLang, string> = {
  en: 'not safe: the offsite copy of your newest backup is missing data',
  de: 'nicht sicher: der externen Kopie Ihrer neuesten Sicherung fehlen Daten',
};
const label = {
  en: {
    why: 'why',
    next: 'next step',
    lastBackup: 'last backup',
    newest: 'newest snapshot',
    of: 'of',
    onsite: 'onsite',
    offsite: 'offsite',
    newestOffsite: 'newest offsite',
    waiting: (n: number, d: string) => `waiting for the offsite Pi: ${n} snapshot(s), for ${d}`,
    lastSync: 'last offsite sync',
    signedBy: 'offsite status: signed by',
    notPinned: (repo: string) =>
      `warning: offsite status not signed by a pinned key; run \`restray-pi status --signing-key\` on the offsite Pi, then \`restray repo offsite ${repo} --status-key <fingerprint>\``,
    paused: 'Paused until',
    noPassword: '(no password in keychain)',
    plan: 'plan',
  },
  de: {
    why: 'warum',
    next: 'nächster Schritt',
    lastBackup: 'letzte Sicherung',
    newest: 'neuester Sicherungsstand',
    of: 'vom',
    onsite: 'vor Ort',
    offsite: 'extern',
    newestOffsite: 'neuester extern',
    waiting: (n: number, d: string) => `wartet auf den externen Pi: ${n} Sicherungsstand/-stände, seit ${d}`,
    lastSync: 'letzter externer Abgleich',
    signedBy: 'externer Status: signiert von',
    notPinned: (repo: string) =>
      `Warnung: externer Status nicht mit einem hinterlegten Schlüssel signiert; führen Sie \`restray-pi status --signing-key\` auf dem externen Pi aus, dann \`restray repo offsite ${repo} --status-key <Fingerabdruck>\``,
    paused: 'Pausiert bis',
    noPassword: '(kein Passwort im Schlüsselbund)',
    plan: 'Plan',
  },
};

/**
 * "3 days ago" / "vor 3 Tagen" for a past instant, relative to `now` (Intl's relative time in the language).
 */
export function relativeTime(lang: AdviceLang, now: Date): (iso: string) => string {
  const rtf = new Intl.RelativeTimeFormat(lang, { numeric: 'auto' });
  return (iso) => {
    const s = Math.round((new Date(iso).getTime() - now.getTime()) / 1000);
    const a = Math.abs(s);
    if (a < 90 * 60) return rtf.format(Math.round(s / 60), 'minute');
    if (a < 36 * 3600) return rtf.format(Math.round(s / 3600), 'hour');
    return rtf.format(Math.round(s / 86400), 'day');
  };
}

function adviceLines(a: Advice | undefined, lang: AdviceLang, indent: string): string[] {
  if (!a) return [];
  return [`${indent}${label[lang].why}: ${a.reason}`, `${indent}${label[lang].next}: ${a.next}`];
}

function duration(seconds: number): string {
  if (seconds < 90) return `${seconds} s`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min`;
  if (seconds < 48 * 3600) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86400)} d`;
}

function chainLines(c: ChainStatus, lang: AdviceLang, fmt: AdviceFormat): string[] {
  const lines: string[] = [...adviceLines(hopAdvice(c, 'workstation', lang, fmt), lang, '  ')];
  const w = c.workstation;
  const t = label[lang];
  if (w.lastSuccess)
    lines.push(`  ${t.lastBackup}: ${w.lastSuccess} (${w.lastResult ? resultWord(w.lastResult, lang) : ''})`);
  if (w.newestSnapshot)
    lines.push(`  ${t.newest}: ${w.newestSnapshot.id.slice(0, 8)} ${t.of} ${w.newestSnapshot.time}`);
  lines.push(`  ${t.onsite}: ${c.onsite.state}${c.onsite.reason ? ` (${c.onsite.reason})` : ''}`);
  lines.push(...adviceLines(hopAdvice(c, 'onsite', lang, fmt), lang, '    '));
  const off = c.offsite;
  lines.push(`  ${t.offsite}: ${off.state}${off.reason ? ` (${off.reason})` : ''}`);
  lines.push(...adviceLines(hopAdvice(c, 'offsite', lang, fmt), lang, '    '));
  if (off.newestConfirmed)
    lines.push(
      `  ${t.newestOffsite}: ${off.newestConfirmed.id.slice(0, 8)} ${t.of} ${off.newestConfirmed.time}`,
    );
  if (off.lagSeconds !== undefined && off.snapshotsBehind)
    lines.push(`  ${t.waiting(off.snapshotsBehind, duration(off.lagSeconds))}`);
  if (off.lastSuccess) lines.push(`  ${t.lastSync}: ${off.lastSuccess}`);
  if (off.trust?.state === 'signed') lines.push(`  ${t.signedBy} ${off.trust.fingerprint ?? '?'}`);
  if (off.trust?.state === 'not-pinned') lines.push(`  ${t.notPinned(c.repo)}`);
  return lines;
}

/**
 * `restray status [--json] [--no-check]`: plans, last and next runs, and each repository's chain
 * (workstation → onsite → offsite). Asks the Pis first (bounded by the ssh timeouts) unless --no-check.
 */
export function registerStatus(program: Command, ctx: CliContext): void {
  program
    .command('status')
    .description('show whether your backups are safe: last runs, next runs, onsite and offsite state')
    .option('--json', 'print JSON')
    .option('--no-check', 'do not ask the Pis; show what the run history alone says')
    .action(async (o: { json?: boolean; check: boolean }) => {
      const engine = await ctx.engine();
      if (o.check) await engine.refreshChains();
      const state = await engine.getState();
      if (o.json)
        return printJson(ctx, {
          repos: state.repos,
          plans: state.plans,
          jobs: state.jobs,
          pausedUntil: state.pausedUntil,
          // The tray warns when a chain's offsite.lagSeconds exceeds this.
          offsiteLagHours: state.config.notifications.offsiteLagHours,
        });
      const lang = cliLang(state.config.settings.language, process.env);
      if (state.pausedUntil) ctx.out.write(`${label[lang].paused} ${state.pausedUntil}\n`);
      const when = new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short' });
      const fmt: AdviceFormat = { when: (iso) => when.format(new Date(iso)), duration };
      for (const r of state.repos) {
        const c = r.chain;
        const note = safeNote(c, lang);
        ctx.out.write(
          `${r.name}: ${c.risk?.cause === 'missing-offsite' ? missingOffsiteText[lang] : verdictText[lang][c.verdict]}${note ? ` (${note})` : ''}${r.hasPassword === false ? ` ${label[lang].noPassword}` : ''}\n`,
        );
        for (const l of chainLines(c, lang, fmt)) ctx.out.write(`${l}\n`);
        if (r.lastDrill || c.offsite.state !== 'not-configured')
          ctx.out.write(`  ${drillLine(r.lastDrill, lang, relativeTime(lang, new Date()))}\n`);
        ctx.out.write(
          adviceLines(drillAdvice(r.lastDrill, lang), lang, '    ')
            .map((l) => `${l}\n`)
            .join(''),
        );
      }
      for (const p of state.plans) {
        ctx.out.write(`${label[lang].plan} ${p.name}: ${planRunText(p, lang)}\n`);
      }
    });
}
