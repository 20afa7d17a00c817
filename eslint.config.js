// The import rules of DESIGN.md §3, enforced here so a wrong import fails CI instead of a review.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const electron = {
  name: 'electron',
  message: 'Only main/app and preload may import electron (DESIGN.md §3).',
};
const nodeBuiltins = {
  group: ['node:*', 'fs', 'path', 'os', 'child_process', 'net', 'http', 'crypto'],
  message: 'This layer runs in a browser or everywhere: no Node built-ins.',
};
const noApp = { group: ['**/main/app/**', '**/app/**'], message: 'Nothing imports main/app.' };

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'out/**',
      'test-results/**',
      'e2e/artifacts/**',
      'playwright-report/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-empty': ['error', { allowEmptyCatch: false }],
    },
  },
  {
    files: ['main/common/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electron],
          patterns: [
            nodeBuiltins,
            {
              group: ['**/core/**', '**/cli/**', '**/app/**', '**/renderer/**', '**/preload/**'],
              message: 'main/common imports nothing else.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['main/core/**/*.ts', 'main/cli/**/*.ts', 'bench/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electron],
          patterns: [noApp, { group: ['**/renderer/**'], message: 'The core never imports renderer code.' }],
        },
      ],
    },
  },
  {
    files: ['main/app/**/*.ts', 'preload/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/renderer/**'], message: 'Talk to the renderer through IPC.' }] },
      ],
    },
  },
  {
    files: ['renderer/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electron],
          patterns: [
            nodeBuiltins,
            {
              group: ['**/main/core/**', '**/main/cli/**', '**/main/app/**', '**/preload/**'],
              message: 'renderer imports only main/common and itself.',
            },
          ],
        },
      ],
    },
  },
  {
    // Test helpers (fakes, daemons, test clients, fixtures) live in testing/ folders that the build for
    // users leaves out (electron-builder.yml), so product code must not import them. The typescript-eslint
    // twin of no-restricted-imports is used so this rule adds to the layer rules above instead of replacing them.
    files: ['**/*.ts', '**/*.mjs', '**/*.js'],
    ignores: ['**/*.test.ts', '**/testing/**', 'e2e/**', 'bench/**', 'playwright.config.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '(^|/)testing/',
              message:
                'Only tests (*.test.ts, e2e/, bench/, playwright.config.ts) and testing/ files import test helpers.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.mjs', '**/*.cjs', 'bin/**/*.js', 'eslint.config.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
