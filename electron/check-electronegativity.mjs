// Security gate: runs @doyensec/electronegativity over the built Electron code (dist/electron) and renderer
// (dist/renderer) and fails when it reports any finding. Electronegativity itself exits 0 with findings, so the
// gate reads the SARIF it writes. Its CLI breaks with the commander version this project hoists, so the
// scanner is called through its runner module with the options the CLI would pass.
//
//   node electron/check-electronegativity.mjs        (after `npm run build`)
//
// A finding that is a false positive gets an inline `/* eslint-disable */`-style annotation in the source,
// never an exclusion here: see https://github.com/doyensec/electronegativity#disabling-checks.
import { createRequire } from 'node:module';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { transformSync } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

/**
 * Checks that only ask for a human review of an intended pattern, with the review's outcome. Each is tied to
 * one file of the scanned copy; anything else electronegativity reports fails the gate.
 */
const REVIEWED = {
  PRELOAD_JS_CHECK: {
    file: 'electron/main.js',
    reason:
      'the one preload (electron/preload/preload.ts) exposes only the contract’s named methods through contextBridge, never ipcRenderer or event objects (electron/preload/preload.test.ts)',
  },
};
const run = require('@doyensec/electronegativity');
const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = path.join(root, 'test-results', 'electronegativity');
mkdirSync(outDir, { recursive: true });
const electronVersion = require('electron/package.json').version;

/** electronegativity writes its report with a callback after run() resolves: wait for complete JSON. */
async function readSarif(file) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      return JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      if (Date.now() > deadline) throw new Error(`no complete SARIF at ${file}: ${e.message}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

// Scan main, preload and renderer in one run: the global checks (CSP, navigation limits, permission handler)
// combine findings across files. Copies get a .js extension because electronegativity skips .cjs files.
const staging = path.join(outDir, 'app');
rmSync(staging, { recursive: true, force: true });
for (const target of ['dist/electron', 'dist/renderer']) {
  const from = path.join(root, target);
  if (!existsSync(from)) {
    console.error(`${target} is missing: run \`npm run build\` first.`);
    process.exit(2);
  }
  cpSync(from, path.join(staging, path.basename(target)), {
    recursive: true,
    filter: (src) => !src.endsWith('.map'),
  });
}
// Normalise the staged copies so the scanner sees what the sources say: electronegativity's parser predates
// some syntax the bundles use (class private fields from dependencies), so lower it to ES2020 with esbuild
// (syntax only, not what the code calls), and undo esbuild's renaming of electron imports.
const lowerAll = (dir) => {
  for (const f of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, f.name);
    if (f.isDirectory()) lowerAll(p);
    else if (/\.c?js$/.test(f.name)) {
      // esbuild turns `new BrowserWindow(…)` into `new import_electron.BrowserWindow(…)`, which electronegativity's
      // checks do not recognise (they match the identifier `BrowserWindow`): undo that renaming in the copy.
      const code = readFileSync(p, 'utf8').replace(/\bimport_electron\d*\.(\w+)/g, '$1');
      writeFileSync(
        p,
        transformSync(code, {
          loader: 'js',
          target: 'es2020',
          format: f.name.endsWith('.cjs') ? 'cjs' : undefined,
        }).code,
      );
    }
  }
};
lowerAll(staging);
for (const f of readdirSync(path.join(staging, 'electron'))) {
  if (f.endsWith('.cjs'))
    renameSync(path.join(staging, 'electron', f), path.join(staging, 'electron', f.replace(/\.cjs$/, '.js')));
}

const output = path.join(outDir, 'electronegativity.sarif');
rmSync(output, { force: true });
const returned = await run({
  input: staging,
  output,
  isSarif: true,
  customScan: [],
  excludeFromScan: [],
  severitySet: undefined,
  confidenceSet: undefined,
  isRelative: true,
  isVerbose: false,
  electronUpgrade: undefined,
  electronVersionOverride: electronVersion,
  parserPlugins: [],
});
const sarif = await readSarif(output);
const all = sarif.runs.flatMap((r) => r.results ?? []);
// A finding counts unless it is a manual-review check listed in REVIEWED for that file.
const reviewedIssue = (ruleId, uri) =>
  returned.issues.some(
    (i) => i.id === ruleId && i.manualReview && REVIEWED[ruleId]?.file === i.file && uri === i.file,
  );
const accepted = all.filter((r) =>
  reviewedIssue(r.ruleId, r.locations?.[0]?.physicalLocation?.artifactLocation?.uri),
);
const results = all.filter((r) => !accepted.includes(r));
for (const r of accepted) console.log(`accepted after review: ${r.ruleId} — ${REVIEWED[r.ruleId].reason}`);
for (const r of results) {
  const loc = r.locations?.[0]?.physicalLocation;
  console.error(
    `${r.ruleId} at ${loc?.artifactLocation?.uri ?? '?'}:${loc?.region?.startLine ?? '?'} — ${r.message?.text ?? ''}`,
  );
}
// The SARIF is what CI keeps; the returned list must agree with it, or the file is not to be trusted.
let total = Math.max(results.length, returned.issues.length - accepted.length);
if (returned.errors.length > 0) {
  console.error(`electronegativity could not parse ${returned.errors.length} file(s)`);
  total += returned.errors.length;
}
console.log(`electronegativity: ${total} finding(s) (SARIF: ${path.relative(root, output)})`);
process.exit(total === 0 ? 0 : 1);
