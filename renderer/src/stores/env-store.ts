import { create } from 'zustand';
import type { RequestOutput } from '../../../contract/ipc.js';

export type Environment = RequestOutput<'getEnvironment'>;

/** Facts about the machine (home folder, restore root, platform), loaded once. */
export const useEnvStore = create<{ env: Environment | undefined; setEnv(env: Environment): void }>(
  (set) => ({
    env: undefined,
    setEnv: (env) => set({ env }),
  }),
);
