// Runs one KeytarStore operation in a fresh process, so a test can give it a different session bus (or none):
// libsecret binds to the bus of the first call for the life of the process.
// Usage: tsx store-child.ts get|set|delete <account>   (set reads the secret from stdin, never from argv)
import { readFileSync } from 'node:fs';
import { KeytarStore } from '../../core/secrets/keytar-store.js';
import { RestrayError } from '../../core/errors.js';

const [op, account] = process.argv.slice(2);
const store = new KeytarStore({ service: process.env['RESTRAY_TEST_SERVICE'] ?? 'restray-test' });
try {
  let value: unknown;
  if (op === 'get') value = (await store.get(account!)) ?? null;
  else if (op === 'set') value = await store.set(account!, readFileSync(0, 'utf8'));
  else if (op === 'delete') value = await store.delete(account!);
  else throw new Error(`unknown op ${op}`);
  process.stdout.write(JSON.stringify({ ok: true, value: value ?? null }));
} catch (e) {
  process.stdout.write(
    JSON.stringify(
      e instanceof RestrayError
        ? { ok: false, error: e.toInfo(), stack: String(e.stack) }
        : { ok: false, error: { kind: 'unexpected', message: String(e) } },
    ),
  );
}
