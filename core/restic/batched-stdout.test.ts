import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { openBatchedStdout, type BatchedStdout } from './batched-stdout.js';

/** Starts `node -e script` with the batched pipe as stdout; returns all text read and the number of reads. */
async function readChild(script: string, onStart?: (pid: number) => void) {
  const out = (await openBatchedStdout()) as BatchedStdout;
  expect(out).toBeDefined();
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', out.fd, 'inherit'] });
  out.closeWriteEnd();
  if (child.pid !== undefined) onStart?.(child.pid);
  const chunks: string[] = [];
  await out.readAll((t) => chunks.push(t));
  await (child.exitCode === null && child.signalCode === null ? once(child, 'exit') : undefined);
  return { text: chunks.join(''), reads: chunks.length };
}

describe.skipIf(process.platform === 'win32')('openBatchedStdout', () => {
  it('delivers every line of a writer that writes one line per call, in far fewer reads', async () => {
    // Multi-byte characters (2, 3 and 4 bytes in UTF-8) end up split across reads somewhere.
    const { text, reads } = await readChild(
      'const fs=require(\'fs\');for(let i=0;i<20000;i++)fs.writeSync(1,`{"n":${i},"s":"äö€😀"}\\n`)',
    );
    const lines = text.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(20000);
    lines.forEach((l, i) => expect(JSON.parse(l)).toEqual({ n: i, s: 'äö€😀' }));
    expect(reads).toBeLessThan(20000 / 2);
  });

  it('keeps up with a writer that fills the pipe (large writes)', async () => {
    const { text } = await readChild(
      "const b=Buffer.alloc(1<<20,97);for(let i=0;i<32;i++)require('fs').writeSync(1,b)",
    );
    expect(text.length).toBe(32 << 20);
    expect(/^a+$/.test(text)).toBe(true);
  });

  it('ends with what was written when the writer is killed midway', async () => {
    const { text } = await readChild(
      "const fs=require('fs');fs.writeSync(1,'first\\n');setTimeout(()=>{},60000)",
      (pid) => setTimeout(() => process.kill(pid, 'SIGKILL'), 300),
    );
    expect(text).toBe('first\n');
  });

  it('ends at once when the child never started (the only write end is closed)', async () => {
    const out = (await openBatchedStdout())!;
    out.closeWriteEnd();
    const seen: string[] = [];
    await out.readAll((t) => seen.push(t));
    expect(seen).toEqual([]);
    out.close();
  });
});
