// Lint rules also enforce the dependency direction of ../shared/design.md:
// contract <- core <- electron/main and cli (the `restray` command), contract <- preload, contract <- renderer,
// contract <- pi. Inside core/, the layers of coreLayers below.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

const noElectron = {
  name: 'electron',
  message: 'core/, contract/ and pi/ are plain Node: never import electron.',
};
const layer = (patterns, paths = [noElectron]) => ({
  'no-restricted-imports': ['error', { paths, patterns }],
});

/** What core/ as a whole may not import: it depends only on contract/ (the hosts depend on core, not back). */
const coreOutside = [
  {
    group: ['**/electron/**', '**/renderer/**', '**/pi/**', '**/cli/**'],
    message: 'core/ depends only on contract/.',
  },
];
/** The layers inside core/, lowest first (see README, Architecture). */
const coreLayers = [
  ['errors.ts', 'config', 'secrets', 'logging'],
  ['ssh'],
  ['restic'],
  ['jobs', 'schedule'],
  ['status'],
  ['engine', 'drill'],
];

export default tseslint.config(
  { ignores: ['node_modules', 'dist', 'release', 'coverage', 'test-results', '.lab'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['contract/**'],
    rules: layer([
      {
        group: ['node:*', '**/core/**', '**/electron/**', '**/renderer/**', '**/pi/**'],
        message: 'contract/ is shared types only: no Node, no other layer.',
      },
    ]),
  },
  {
    files: ['core/**'],
    rules: layer(coreOutside),
  },
  // The layers inside core/, lowest first: a folder imports only from its own layer and the ones below it
  // (a later block replaces the rule of core/** for its files, so each repeats what core/ as a whole may not).
  ...coreLayers.map((folders, rank) => ({
    files: folders.map((f) => (f.endsWith('.ts') ? `core/${f}` : `core/${f}/**`)),
    rules: layer([
      ...coreOutside,
      ...(rank + 1 < coreLayers.length
        ? [
            {
              group: coreLayers
                .slice(rank + 1)
                .flatMap((up) => up.map((f) => `**/${f.replace(/\.ts$/, '.js')}/**`)),
              message: `core/${folders.join(', core/')} may import only lower layers of core/ (${coreLayers
                .slice(0, rank + 1)
                .map((l) => l.join(' '))
                .join(' <- ')}).`,
            },
          ]
        : []),
    ]),
  })),
  {
    // The `restray` command is a host beside electron/main: it uses core/ and contract/, nothing else.
    files: ['cli/**'],
    rules: layer([
      {
        group: ['**/electron/**', '**/renderer/**', '**/pi/**'],
        message: 'cli/ depends only on core/ and contract/.',
      },
    ]),
  },
  {
    files: ['pi/**'],
    rules: layer([
      {
        group: ['**/core/**', '**/electron/**', '**/renderer/**'],
        message: 'pi/ depends only on contract/.',
      },
    ]),
  },
  {
    files: ['renderer/src/**'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      ...layer([
        {
          group: ['node:*', '**/core/**', '**/electron/main/**', '**/pi/**'],
          message: 'The renderer talks to the app only through window.api (contract/).',
        },
      ]),
    },
  },
  {
    files: ['electron/preload/**'],
    // The preload is where contextBridge lives, so it may import electron; nothing else but contract/.
    rules: layer(
      [
        {
          group: ['**/core/**', '**/renderer/**', '**/pi/**'],
          message: 'preload depends only on contract/.',
        },
      ],
      [],
    ),
  },
  {
    files: ['electron/**', 'renderer/src/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name='ipcMain'][property.name=/^(on|handle)$/]",
          message: 'Use the typed IPC binding in electron/main/ipc.ts.',
        },
      ],
    },
  },
  {
    files: ['**/*.test.ts', '**/*.test.tsx', 'test/**', 'bench/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
);
