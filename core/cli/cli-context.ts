import { homedir } from 'node:os';
import { resolvePaths } from '../config/paths.js';
import { Engine } from '../engine/engine.js';
import { KeytarStore } from '../secrets/keytar-store.js';

/** What every command gets: the engine (opened on first use) and the output streams. */
export interface CliContext {
  engine(): Promise<Engine>;
  out: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  err: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  /** Set by a command that succeeds with a warning status (3: backup incomplete). */
  exitCode: number;
}

/** The real context: OS paths (or RESTRAY_HOME), the OS keychain, this process's streams. */
export function processContext(): CliContext {
  let engine: Promise<Engine> | undefined;
  return {
    engine: () =>
      (engine ??= Engine.open({
        paths: resolvePaths(process.platform, process.env, homedir()),
        secrets: new KeytarStore(),
        keychainInState: false,
      })),
    out: process.stdout,
    err: process.stderr,
    stdin: process.stdin,
    exitCode: 0,
  };
}

/** Writes one JSON document per line (the `--json` output of every command). */
export function printJson(ctx: CliContext, value: unknown): void {
  ctx.out.write(`${JSON.stringify(value)}\n`);
}
