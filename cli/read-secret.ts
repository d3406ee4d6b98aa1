import { RestrayError } from '../core/errors.js';

/**
 * Reads a password from standard input: the first line, without its line ending. On a terminal the typed
 * characters are not echoed. Never from argv, so it cannot show up in `ps` or shell history.
 */
export async function readSecret(
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (on: boolean) => void },
  prompt: (text: string) => void,
  label = 'Repository password: ',
): Promise<string> {
  if (stdin.isTTY && stdin.setRawMode) return readFromTerminal(stdin, prompt, label);
  let text = '';
  for await (const chunk of stdin) {
    text += chunk.toString();
    if (text.includes('\n')) break;
  }
  const line = text.split(/\r?\n/)[0] ?? '';
  if (!line) {
    throw new RestrayError(
      'invalid-argument',
      'password: expected the repository password on standard input.',
      {
        hint: 'Pipe it in, e.g. `secret-tool lookup … | restray repo add …`, or run the command in a terminal.',
      },
    );
  }
  return line;
}

function readFromTerminal(
  stdin: NodeJS.ReadableStream & { setRawMode?: (on: boolean) => void },
  prompt: (text: string) => void,
  label: string,
): Promise<string> {
  prompt(label);
  stdin.setRawMode!(true);
  stdin.resume();
  return new Promise((resolve, reject) => {
    let value = '';
    const done = (err?: RestrayError) => {
      stdin.setRawMode!(false);
      stdin.pause();
      stdin.removeListener('data', onData);
      prompt('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: Buffer | string) => {
      for (const ch of chunk.toString()) {
        if (ch === '\r' || ch === '\n')
          return done(value ? undefined : new RestrayError('invalid-argument', 'password: empty.'));
        if (ch === '\u0003') return done(new RestrayError('cancelled', 'Cancelled.'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
}
