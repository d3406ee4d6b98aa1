import type { Command } from 'commander';
import { printJson, type CliContext } from '../cli-context.js';
import { formatBytes } from '../format.js';
import { interruptible } from '../interrupt.js';
import { cliText } from '../cli-text.js';

/** `restray snapshots REPO` and `restray ls REPO SNAPSHOT [PATH]`. */
export function registerBrowse(program: Command, ctx: CliContext): void {
  program
    .command('snapshots <repo>')
    .description('list the snapshots of a repository, oldest first')
    .option('--json', 'print JSON')
    .action(async (repo: string, o: { json?: boolean }) => {
      const engine = await ctx.engine();
      const list = await interruptible((signal) => engine.snapshots(repo, { signal }));
      if (o.json) return printJson(ctx, list);
      for (const s of list) ctx.out.write(`${s.shortId}  ${s.time}  ${s.hostname}  ${s.paths.join(' ')}\n`);
      ctx.out.write(`${cliText(ctx.lang).snapshotCount(list.length)}\n`);
    });

  program
    .command('ls <repo> <snapshot> [path]')
    .description('list one directory of a snapshot, or every entry when no path is given')
    .option('--json', 'print one JSON object per entry')
    .action(async (repo: string, snapshot: string, path: string | undefined, o: { json?: boolean }) => {
      const engine = await ctx.engine();
      const show = (e: { path: string; type: string; size?: number | undefined }) => {
        if (o.json) printJson(ctx, e);
        else
          ctx.out.write(
            `${e.type === 'dir' ? 'd' : '-'} ${e.size === undefined ? '' : formatBytes(e.size).padStart(10)}  ${e.path}\n`,
          );
      };
      if (path === undefined) await interruptible((signal) => engine.lsAll(repo, snapshot, show, { signal }));
      else
        for (const e of await interruptible((signal) => engine.ls(repo, snapshot, path, { signal }))) show(e);
    });
}
