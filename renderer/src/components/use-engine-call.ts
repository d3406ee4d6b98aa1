import { useState } from 'react';
import type { ErrorInfo } from '../../../contract/errors.js';
import type { Result } from '../../../contract/ipc.js';

/**
 * A busy flag and an inline error for a form that calls the engine step by step: `run` sets busy, clears the
 * last error, and resolves to `{ value }` on success or undefined on failure (the error is then in `error`).
 */
export function useEngineCall(): {
  busy: boolean;
  error: ErrorInfo | undefined;
  run: <T>(call: () => Promise<Result<T>>) => Promise<{ value: T } | undefined>;
} {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorInfo>();
  async function run<T>(call: () => Promise<Result<T>>): Promise<{ value: T } | undefined> {
    setBusy(true);
    setError(undefined);
    try {
      const r = await call();
      if (!r.ok) setError(r.error);
      return r.ok ? { value: r.value } : undefined;
    } finally {
      setBusy(false);
    }
  }
  return { busy, error, run };
}
