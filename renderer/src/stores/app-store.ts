import { create } from 'zustand';
import type { AppState } from '../../../contract/app-state.js';
import type { ErrorInfo } from '../../../contract/errors.js';

/** Cache of the engine's state (filled only by api/client.ts). */
export interface AppStore {
  state: AppState | undefined;
  loadError: ErrorInfo | undefined;
  setState(state: AppState): void;
  setError(error: ErrorInfo): void;
}

export const useAppStore = create<AppStore>((set) => ({
  state: undefined,
  loadError: undefined,
  setState: (state) => set({ state, loadError: undefined }),
  setError: (loadError) => set({ loadError }),
}));
