#!/usr/bin/env node
// Thin launcher: the CLI is bundled to dist/ by `npm install` (prepare) or `npm run build`.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/cli/restray.mjs', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write(
    'restray: not built yet. Run `npm install` (or `npm run build`) in the Restray folder.\n',
  );
  process.exit(1);
}
const { runCli } = await import(entry.href);
const code = await runCli(process.argv.slice(2));
// Exit only once stdout and stderr are flushed (pipes are asynchronous); a keychain connection would otherwise
// keep the process alive.
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
