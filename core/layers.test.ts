import { resolve } from 'node:path';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

// The layers of eslint.config.js, tried with planted imports: each one that runs against the direction must
// fail lint, and the same import in the allowed direction must pass.

const eslint = new ESLint({ cwd: resolve(import.meta.dirname, '..') });

/** The no-restricted-imports messages for `source` as if it were the file at `filePath`. */
async function restricted(filePath: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${source}\nexport const planted = x;\n`, { filePath });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('lint zones', () => {
  // Loading the config and its plugins takes seconds on a loaded machine; once, before the cases.
  beforeAll(() => restricted('core/planted.ts', 'const x = 1;'), 120_000);

  it.each([
    ['core/ssh/planted.ts', "import * as x from '../restic/index.js';"],
    ['core/restic/planted.ts', "import { JobQueue as x } from '../jobs/job-queue.js';"],
    ['core/jobs/planted.ts', "import { ChainMonitor as x } from '../status/chain-monitor.js';"],
    ['core/status/planted.ts', "import { Engine as x } from '../engine/engine.js';"],
    ['core/config/planted.ts', "import { sshArgs as x } from '../ssh/ssh-options.js';"],
    ['core/errors.ts', "import { Engine as x } from './engine/engine.js';"],
    ['core/engine/planted.ts', "import { runCli as x } from '../../cli/main.js';"],
    ['core/engine/planted.ts', "import { createDispatcher as x } from '../../electron/main/dispatch.js';"],
    ['cli/planted.ts', "import { createDispatcher as x } from '../electron/main/dispatch.js';"],
    ['cli/commands/planted.ts', "import { main as x } from '../../pi/src/main.js';"],
  ])(
    'refuses %s: %s',
    async (file, source) => {
      expect(await restricted(file, source)).toHaveLength(1);
    },
    60_000,
  );

  it.each([
    ['core/restic/planted.ts', "import { sshArgs as x } from '../ssh/ssh-options.js';"],
    ['core/status/planted.ts', "import * as x from '../restic/index.js';"],
    ['core/engine/planted.ts', "import { ChainMonitor as x } from '../status/chain-monitor.js';"],
    ['cli/planted.ts', "import { Engine as x } from '../core/engine/engine.js';"],
    ['electron/main/planted.ts', "import { Engine as x } from '../../core/engine/engine.js';"],
  ])(
    'allows %s: %s',
    async (file, source) => {
      expect(await restricted(file, source)).toEqual([]);
    },
    60_000,
  );
});
