// Bundles the Node-side entry points with esbuild: the `restray` CLI, restray-pi (Node 18 target, one file),
// and the Electron main/preload scripts. The renderer is built by Vite (renderer/vite.config.ts).
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';

const common = {
  bundle: true,
  platform: 'node',
  sourcemap: true,
  logLevel: 'warning',
  legalComments: 'none',
};
const esmBanner = {
  js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
};

/**
 * zod's namespace export re-exports every locale (~260 KB minified, a third of the CLI bundle) although only
 * English, which zod configures itself, is ever used. Resolve zod's locale index to English alone.
 */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onResolve({ filter: /[\\/]locales[\\/]index\.js$/ }, (args) =>
      /[\\/]node_modules[\\/]zod[\\/]/.test(args.importer)
        ? { path: join(dirname(args.importer), args.path), namespace: 'zod-english-only' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'zod-english-only' }, (args) => ({
      contents: "export { default as en } from './en.js';",
      resolveDir: dirname(args.path),
      loader: 'js',
    }));
  },
};

const jobs = [];
const cli = existsSync('cli/main.ts');
if (cli) {
  // Stale chunks of earlier layouts and the code cache of the previous bundle go; the launcher rebuilds the cache.
  rmSync('dist/cli', { recursive: true, force: true });
  jobs.push(
    build({
      ...common,
      entryPoints: { restray: 'cli/main.ts' },
      outdir: 'dist/cli',
      outExtension: { '.js': '.cjs' },
      // One CommonJS script, minified: bin/restray.mjs compiles it with a V8 code cache (vm.Script), which
      // Node 20 offers only for scripts, so every `restray` call skips most parsing and compiling. What only
      // some commands need (the scheduler's cron maths and luxon) stays behind lazy initialisers.
      format: 'cjs',
      minify: true,
      target: 'node20',
      define: { 'import.meta.url': '__restrayImportMetaUrl' },
      banner: { js: "var __restrayImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
      external: ['keytar'],
      plugins: [zodEnglishOnly],
    }),
  );
}
if (existsSync('pi/src/main.ts')) {
  jobs.push(
    build({
      ...common,
      entryPoints: { 'restray-pi': 'pi/src/main.ts' },
      outdir: 'dist/pi',
      outExtension: { '.js': '.mjs' },
      format: 'esm',
      target: 'node18',
      // `restray-pi --version` and the Debian package (scripts/package-pi.mjs) take package.json's version.
      define: {
        RESTRAY_PI_VERSION: JSON.stringify(JSON.parse(readFileSync('package.json', 'utf8')).version),
      },
      banner: esmBanner,
      plugins: [zodEnglishOnly],
    }),
  );
}
if (existsSync('electron/main/main.ts')) {
  jobs.push(
    build({
      ...common,
      entryPoints: { main: 'electron/main/main.ts' },
      outdir: 'dist/electron',
      outExtension: { '.js': '.cjs' },
      format: 'cjs',
      // core/ is ESM and uses import.meta.url (e.g. createRequire for keytar); in a CJS bundle it must come
      // from __filename, or keytar would never load in the app.
      define: { 'import.meta.url': '__restrayImportMetaUrl' },
      banner: { js: "const __restrayImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
      target: 'node22',
      external: ['electron', 'keytar'],
      plugins: [zodEnglishOnly],
    }),
    build({
      ...common,
      entryPoints: { preload: 'electron/preload/preload.ts' },
      outdir: 'dist/electron',
      outExtension: { '.js': '.cjs' },
      format: 'cjs',
      platform: 'node',
      target: 'chrome130',
      external: ['electron'],
    }),
  );
}
await Promise.all(jobs);
// One run writes the CLI's code cache, so that the first real call (and an install folder that is read-only
// later) starts fast too.
if (cli) execFileSync(process.execPath, ['bin/restray.mjs', '--version'], { stdio: 'ignore' });
