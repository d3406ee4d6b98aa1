import type { TestProject } from 'vitest/node';
import { startKeyringSession, type KeyringEnv } from './keyring-session.js';

// Every scenario test shares one real keyring session; its bus address is passed to the test workers.
export default async function setup(project: TestProject) {
  const session = await startKeyringSession();
  project.provide('keyringEnv', session.env);
  return () => session.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    keyringEnv: KeyringEnv;
  }
}
