import { describe, expect, it } from 'vitest';
import { RestrayError } from '../../core/errors.js';
import { createDispatcher } from './dispatch.js';
import { failedEngine } from './engine-factory.js';

describe('failedEngine', () => {
  it('answers every request with the start-up error, as a value through the dispatcher', async () => {
    const port = failedEngine({
      kind: 'invalid-config',
      message: 'config.json: plans.0.paths is empty',
      hint: 'Fix or remove the file.',
    });
    await expect(port.getState()).rejects.toBeInstanceOf(RestrayError);
    const dispatch = createDispatcher(port, {} as never);
    expect(await dispatch('getState', undefined)).toEqual({
      ok: false,
      error: {
        kind: 'invalid-config',
        message: 'config.json: plans.0.paths is empty',
        hint: 'Fix or remove the file.',
      },
    });
  });
});
