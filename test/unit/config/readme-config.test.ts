// README's configuration section must document every env override and every top-level setting group.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { CONFIG_FILE_ENV, ENV_OVERRIDES } from '../../../src/config/env-overrides.js';
import { loadConfig } from '../../../src/config/load-config.js';

const readme = readFileSync(resolve(import.meta.dirname, '../../../README.md'), 'utf8');

/** Every dotted path of a leaf setting (records such as `numbers` count as one leaf). */
function leafPaths(value: unknown, prefix: string): string[] {
  if (
    typeof value !== 'object' ||
    value === null ||
    Array.isArray(value) ||
    prefix === 'numbers' ||
    prefix === 'groups'
  ) {
    return [prefix];
  }
  return Object.entries(value).flatMap(([key, child]) =>
    leafPaths(child, prefix === '' ? key : `${prefix}.${key}`),
  );
}

describe('README configuration table', () => {
  it('names every environment override with the setting it sets', () => {
    for (const { name, path } of ENV_OVERRIDES) {
      const row = readme.split('\n').find((line) => line.startsWith('|') && line.includes(`\`${name}\``));
      assert.ok(row, `README has no table row naming ${name}`);
      assert.ok(
        row.includes(`\`${path.join('.')}\``),
        `README row for ${name} does not name ${path.join('.')}`,
      );
    }
    assert.ok(readme.includes(`\`${CONFIG_FILE_ENV}\``));
  });

  it('has a row for every setting', () => {
    const config = loadConfig({ cwd: '/', env: {} });
    for (const path of leafPaths(config, '')) {
      assert.ok(
        readme.split('\n').some((line) => line.startsWith(`| \`${path}\``)),
        `README has no configuration row starting with | \`${path}\``,
      );
    }
  });
});
