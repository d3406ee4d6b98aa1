// Bundles the Node-side entry points with esbuild: the `restray` CLI, restray-pi (Node 18 target, one file),
// and the Electron main/preload scripts. The renderer is built by Vite (renderer/vite.config.ts).
import { build } from 'esbuild';
import { existsSync } from 'node:fs';

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
const jobs = [];
if (existsSync('core/cli/main.ts')) {
  jobs.push(
    build({
      ...common,
      entryPoints: { restray: 'core/cli/main.ts' },
      outdir: 'dist/cli',
      outExtension: { '.js': '.mjs' },
      format: 'esm',
      // Every `restray` call pays for parsing the bundle: minify it, and split off what only some commands
      // load on demand (the scheduler's cron maths and luxon), so `restray backup` starts fast.
      splitting: true,
      minify: true,
      chunkNames: 'chunks/[name]-[hash]',
      target: 'node20',
      banner: esmBanner,
      external: ['keytar'],
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
      banner: esmBanner,
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
