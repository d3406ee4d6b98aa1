#!/usr/bin/env node
// Thin launcher: the CLI is bundled to dist/cli/restray.cjs by `npm install` (prepare) or `npm run build`.
//
// It compiles the bundle with a V8 code cache (restray.cjs.cache next to it), so that a call does not spend
// tens of milliseconds parsing and compiling the same half megabyte every time. The cache file is a SHA-256
// over the bundle and the rest of the file, a line naming the commands whose runs it covers, and V8's data:
// a cache of another bundle, or a damaged one (V8 does not check its data and may crash on it), is never
// used. After a run the cache is written anew when it was missing, unusable or rejected by V8 (another Node),
// or did not cover the command yet (V8 then adds the functions this run compiled): a few writes per build,
// each atomic, and only where the folder is writable. A read-only install still works, with the cache the
// build wrote or none.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';

const file = fileURLToPath(new URL('../dist/cli/restray.cjs', import.meta.url));
if (!existsSync(file)) {
  process.stderr.write(
    'restray: not built yet. Run `npm install` (or `npm run build`) in the Restray folder.\n',
  );
  process.exit(1);
}
const source = readFileSync(file);
const cacheFile = `${file}.cache`;
const digest = (rest) => createHash('sha256').update(source).update(rest).digest();
const args = process.argv.slice(2);
const command = /^[a-z]{1,20}$/.test(args[0] ?? '') ? args[0] : '-';
let covered = [];
let cachedData;
try {
  const cache = readFileSync(cacheFile);
  const eol = cache.indexOf(10, 32);
  if (eol > 0 && digest(cache.subarray(32)).equals(cache.subarray(0, 32))) {
    covered = cache.toString('latin1', 32, eol).split(' ');
    cachedData = cache.subarray(eol + 1);
  }
} catch {
  // no cache yet
}
const script = new Script(
  `(function (exports, require, module, __filename, __dirname) {${source.toString('utf8')}\n})`,
  { filename: file, ...(cachedData ? { cachedData } : {}) },
);
const cjs = { exports: {} };
script.runInThisContext()(cjs.exports, createRequire(file), cjs, file, dirname(file));
const code = await cjs.exports.runCli(args);

const usageError = code === 2; // no new command name from a typo
if (cachedData === undefined || script.cachedDataRejected || (!covered.includes(command) && !usageError)) {
  const commands = [...(script.cachedDataRejected ? [] : covered), command].join(' ');
  const tmp = `${cacheFile}.${process.pid}.tmp`;
  try {
    const rest = Buffer.concat([Buffer.from(`${commands}\n`), script.createCachedData()]);
    writeFileSync(tmp, Buffer.concat([digest(rest), rest]));
    renameSync(tmp, cacheFile);
  } catch {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // nothing to clean up
    }
  }
}
// Exit only once stdout and stderr are flushed (pipes are asynchronous); a keychain connection would otherwise
// keep the process alive.
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
