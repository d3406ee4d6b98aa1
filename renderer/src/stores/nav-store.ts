import { create } from 'zustand';
import type { Screen } from '../../../contract/ipc.js';

export interface NavTarget {
  runId?: string;
  /** Preselect a snapshot in the restore wizard. */
  snapshot?: { repo: string; id: string };
}

/** Which screen shows (no URL routing: the window is one page loaded from file://). */
export interface NavStore extends NavTarget {
  screen: Screen;
  go(screen: Screen, target?: NavTarget): void;
}

export const useNavStore = create<NavStore>((set) => ({
  screen: 'dashboard',
  go: (screen, target = {}) => set({ screen, runId: target.runId, snapshot: target.snapshot }),
}));
