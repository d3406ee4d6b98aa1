import { defineConfig } from 'vitest/config';

// Three projects: `unit` (pure logic, next to the code), `ui` (React components in jsdom) and `scenario`
// (real restic, sshd, rsync, rclone, gnome-keyring and Chromium, under test/). All run in `npm test`.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            'cli/**/*.test.ts',
            'core/**/*.test.ts',
            'contract/**/*.test.ts',
            'pi/**/*.test.ts',
            'electron/**/*.test.ts',
          ],
          environment: 'node',
          // Some unit tests start a small child (a stand-in restic, git): 5 s is too short on a loaded 2-core CI.
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'ui',
          include: ['renderer/**/*.test.tsx', 'renderer/**/*.test.ts'],
          environment: 'jsdom',
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'scenario',
          include: ['test/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/lab/keyring-global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
