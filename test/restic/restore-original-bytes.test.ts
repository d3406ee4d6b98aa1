import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolvePaths } from '../../core/config/paths.js';
import { Engine } from '../../core/engine/engine.js';
import { memorySecrets } from '../chain/chain-lab.js';

/**
 * Issue 13 item 5: a snapshot with a file name that is not valid UTF-8 restores to its original place. Real
 * restic writes the name's bytes into the staging folder; the engine must move it without re-encoding it.
 */
describe('restore to the original place with a non-UTF-8 name (real restic, the engine)', () => {
  it('puts the file back under its own bytes, replacing the changed one (overwrite) or beside it (keep both)', async () => {
    const home = mkdtempSync(join(tmpdir(), 'restray-orig-'));
    const src = join(home, 'src');
    const raw = Buffer.from([0x6e, 0x6f, 0x74, 0x69, 0x7a, 0xe9, 0x2e, 0x74, 0x78, 0x74]); // "notizé.txt" Latin-1
    const file = Buffer.concat([Buffer.from(`${src}/`), raw]);
    mkdirSync(src);
    writeFileSync(file, 'version 1');
    const engine = await Engine.open({
      paths: resolvePaths('linux', { RESTRAY_HOME: home }, home),
      secrets: memorySecrets(),
    });
    try {
      await engine.addRepository(
        { name: 'usb', target: { kind: 'local', path: join(home, 'repo') } },
        'orig test password',
        { init: true },
      );
      await engine.savePlan({ name: 'home', repo: 'usb', paths: [src], prune: false });
      const backup = await engine.startBackup('home', 'manual').done;
      expect(backup.result, JSON.stringify(backup.error)).toBe('success');
      writeFileSync(file, 'changed later');

      const over = await engine.startRestore({
        repo: 'usb',
        snapshot: 'latest',
        destination: { kind: 'original', conflict: 'overwrite' },
      }).done;
      expect(over.result, JSON.stringify(over.error)).toBe('success');
      expect(readdirSync(src, { encoding: 'buffer' })).toEqual([raw]);
      expect(readFileSync(file, 'utf8')).toBe('version 1');

      writeFileSync(file, 'changed again');
      const both = await engine.startRestore({
        repo: 'usb',
        snapshot: 'latest',
        destination: { kind: 'original', conflict: 'keepBoth' },
      }).done;
      expect(both.result, JSON.stringify(both.error)).toBe('success');
      expect(readFileSync(file, 'utf8')).toBe('changed again');
      const names = readdirSync(src, { encoding: 'buffer' });
      expect(names).toHaveLength(2);
      const alt = names.find((n) => !n.equals(raw))!;
      expect(alt.includes(Buffer.from([0xe9]))).toBe(true); // the raw byte survived in the new name
      expect(readFileSync(Buffer.concat([Buffer.from(`${src}/`), alt]), 'utf8')).toBe('version 1');
    } finally {
      await engine.close();
      rmSync(home, { recursive: true, force: true });
    }
  });
});
