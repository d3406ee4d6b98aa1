import type { z } from 'zod';
import { RestrayError } from '../../core/errors.js';
import type { ErrorInfo } from '../../contract/errors.js';
import {
  engineRequests,
  requests,
  shellRequests,
  type ParsedInput,
  type RequestName,
  type RequestOutput,
  type Result,
  type ShellRequestName,
} from '../../contract/ipc.js';
import type { EnginePort } from './engine-port.js';

/**
 * The request dispatcher: validate input with the contract's zod schema, call the engine (or the shell), and
 * return a Result. It does not import electron, so the Electron IPC binding (ipc.ts) and the e2e transport
 * server (test/e2e) run exactly the same checks.
 */

/** What main itself serves (dialogs, folders, clipboard): electron/main/shell.ts, or a Node stand-in in e2e. */
export type ShellPort = {
  [K in ShellRequestName]: [ParsedInput<K>] extends [void]
    ? () => Promise<RequestOutput<K>>
    : (input: ParsedInput<K>) => Promise<RequestOutput<K>>;
};

export type Dispatch = (name: string, input: unknown) => Promise<Result<unknown>>;

export interface DispatchOptions {
  /** Check outputs against the contract too (tests and e2e: catches an engine that drifted from it). */
  validateOutputs?: boolean;
  /** Where unexpected exceptions go (they are bugs: logged, and the UI gets a plain `failed`). */
  logError?: (message: string, error: unknown) => void;
}

const isRequestName = (name: string): name is RequestName =>
  Object.prototype.hasOwnProperty.call(requests, name);

/** One line naming the fields that failed validation, e.g. `plan.paths: name at least one folder to back up`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
}

/** Expected failures keep their kind and text; anything else becomes `failed` and is logged. */
export function errorToInfo(e: unknown, logError: DispatchOptions['logError']): ErrorInfo {
  if (e instanceof RestrayError) return e.toInfo();
  logError?.('unexpected exception in a request handler', e);
  return { kind: 'failed', message: e instanceof Error ? e.message : String(e) };
}

export function createDispatcher(
  engine: EnginePort,
  shell: ShellPort,
  options: DispatchOptions = {},
): Dispatch {
  return async (name, rawInput) => {
    if (!isRequestName(name))
      return { ok: false, error: { kind: 'invalid-argument', message: `unknown request "${name}"` } };
    const spec = requests[name];
    const parsed = spec.input.safeParse(rawInput);
    if (!parsed.success) {
      return { ok: false, error: { kind: 'invalid-argument', message: describeIssues(parsed.error) } };
    }
    try {
      const target = (Object.prototype.hasOwnProperty.call(engineRequests, name)
        ? engine
        : shell) as unknown as Record<string, (input: unknown) => Promise<unknown>>;
      const fn = target[name];
      if (typeof fn !== 'function') throw new Error(`no handler for "${name}"`);
      const value = await fn.call(target, parsed.data);
      if (options.validateOutputs) {
        const out = spec.output.safeParse(value);
        if (!out.success) {
          options.logError?.(`output of "${name}" does not match the contract`, out.error);
          return {
            ok: false,
            error: {
              kind: 'failed',
              message: `output of ${name} broke the contract: ${describeIssues(out.error)}`,
            },
          };
        }
        return { ok: true, value: out.data };
      }
      return { ok: true, value };
    } catch (e) {
      return { ok: false, error: errorToInfo(e, options.logError) };
    }
  };
}

/** Names served by main itself. */
export const shellRequestNames = Object.keys(shellRequests) as ShellRequestName[];
