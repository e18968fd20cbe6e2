// Type-aware lint. Layer rules keep dependencies one-way (DESIGN.md "Layers").
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// One rule entry per folder: flat config keeps only the last `no-restricted-imports` that matches a file, so each
// layer carries its own patterns plus the drachtio-srf restriction (only src/sip/call may import it).
const DRACHTIO_ONLY_IN_SIP_CALL = {
  name: 'drachtio-srf',
  message: 'Only src/sip/call imports drachtio-srf.',
};
const layer = (files, forbidden, { srfAllowed = false, io = [] } = {}) => ({
  files,
  rules: {
    'no-restricted-imports': [
      'error',
      {
        paths: [
          ...(srfAllowed ? [] : [DRACHTIO_ONLY_IN_SIP_CALL]),
          ...io.map((name) => ({ name, message: 'This layer does no I/O (DESIGN.md).' })),
        ],
        patterns: forbidden.map((group) => ({
          group: [group],
          message: 'Layer rule (DESIGN.md): one-way imports.',
        })),
      },
    ],
  },
});
const IO_MODULES = [
  'node:fs',
  'node:fs/promises',
  'node:net',
  'node:dgram',
  'node:http',
  'node:https',
  'node:child_process',
  'ioredis',
  'ws',
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'var/**', 'eslint.config.js', 'scripts/**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      curly: ['error', 'all'],
      'no-console': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  layer(
    ['src/config/**', 'src/logging/**', 'src/errors/**', 'src/shared/**'],
    [
      '**/sip/**',
      '**/media/**',
      '**/speech/**',
      '**/understanding/**',
      '**/conversation/**',
      '**/routing/**',
      '**/store/**',
      '**/api/**',
      '**/app',
      '**/app.js',
    ],
  ),
  layer(
    ['src/sip/engine/**'],
    [
      '**/config/**',
      '**/logging/**',
      '**/sip/call/**',
      '**/media/**',
      '**/speech/**',
      '**/understanding/**',
      '**/conversation/**',
      '**/routing/**',
      '**/store/**',
      '**/api/**',
      'drachtio-srf',
    ],
  ),
  layer(['src/sip/call/**'], ['**/sip/engine/**', '**/conversation/**', '**/api/**'], { srfAllowed: true }),
  layer(
    ['src/media/**'],
    ['**/sip/**', '**/speech/**', '**/conversation/**', '**/routing/**', '**/store/**', '**/api/**'],
  ),
  layer(['src/speech/**'], ['**/sip/**', '**/conversation/**', '**/routing/**', '**/store/**', '**/api/**']),
  layer(
    ['src/understanding/**'],
    [
      '**/sip/**',
      '**/media/**',
      '**/speech/**',
      '**/conversation/**',
      '**/routing/**',
      '**/store/**',
      '**/api/**',
    ],
    { io: IO_MODULES },
  ),
  layer(['src/store/**'], ['**/sip/**', '**/media/**', '**/conversation/**', '**/api/**']),
  layer(['src/conversation/**'], ['**/sip/engine/**', '**/api/**']),
  layer(['src/routing/**'], ['**/sip/engine/**', '**/api/**']),
  layer(['src/api/**'], ['**/sip/engine/**', '**/media/**']),
  layer(['src/app.ts', 'src/main.ts', 'src/cli.ts', 'src/cli/**'], []),
  {
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-console': 'off',
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['describe', 'it', 'suite', 'test'] },
          ],
        },
      ],
    },
  },
);
