#!/usr/bin/env node
// Runs the test suite with node's built-in runner (TypeScript through tsx).
// Usage: node scripts/run-tests.mjs [dir-or-file ...]   (default: test/unit then test/integration)
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const roots = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['test/unit', 'test/integration'];
const files = [];
const walk = (p) => {
  if (statSync(p).isDirectory()) {
    for (const entry of readdirSync(p).sort()) walk(join(p, entry));
  } else if (p.endsWith('.test.ts')) {
    files.push(p);
  }
};
for (const root of roots) walk(root);
if (files.length === 0) {
  console.error('no test files found under', roots.join(', '));
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    '--test-reporter=spec',
    `--test-concurrency=${process.env.TEST_CONCURRENCY ?? '2'}`,
    ...files,
  ],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
