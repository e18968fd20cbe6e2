// Type-aware lint. Layer rules keep dependencies one-way (DESIGN.md "Layers").
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const layer = (files, forbidden) => ({
  files,
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: forbidden.map((group) => ({
          group: [group],
          message: 'Layer rule (DESIGN.md): one-way imports.',
        })),
      },
    ],
  },
});

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
  layer(['src/sip/call/**'], ['**/sip/engine/**', '**/conversation/**', '**/api/**']),
  {
    files: ['src/**/*.ts'],
    ignores: ['src/sip/call/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'drachtio-srf', message: 'Only src/sip/call imports drachtio-srf.' }] },
      ],
    },
  },
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
