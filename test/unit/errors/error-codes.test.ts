// README's error table must list exactly the catalogue's codes, each with its message and statuses, so that
// operators can look up any code the server logs or answers with.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { AigError } from '../../../src/errors/aig-error.js';
import { ERROR_CODES, type ErrorCode, type ErrorCodeEntry } from '../../../src/errors/error-codes.js';

const readme = readFileSync(resolve(import.meta.dirname, '../../../README.md'), 'utf8');
const codes = Object.keys(ERROR_CODES) as ErrorCode[];

/** Table rows whose first cell is a code: code → remaining cells. */
function readmeRows(): Map<string, string[]> {
  const rows = new Map<string, string[]>();
  for (const line of readme.split('\n')) {
    const match = /^\|\s*`(AIG_ERR_[A-Z0-9_]+)`\s*\|(.*)\|\s*$/.exec(line);
    if (match) {
      rows.set(
        match[1]!,
        match[2]!.split('|').map((cell) => cell.trim()),
      );
    }
  }
  return rows;
}

function expectedRow(code: ErrorCode): string {
  const entry: ErrorCodeEntry = ERROR_CODES[code];
  return `| \`${code}\` | ${entry.message} | ${entry.sip ?? '—'} | ${entry.http ?? '—'} |`;
}

describe('error code catalogue', () => {
  it('README documents every code with its message, SIP status and HTTP status', () => {
    const rows = readmeRows();
    for (const code of codes) {
      const entry: ErrorCodeEntry = ERROR_CODES[code];
      const cells = rows.get(code);
      assert.ok(cells, `README lacks ${code}; add:\n${expectedRow(code)}`);
      assert.deepEqual(
        cells.slice(0, 3),
        [entry.message, String(entry.sip ?? '—'), String(entry.http ?? '—')],
        `README row for ${code} is stale; expected:\n${expectedRow(code)}`,
      );
    }
  });

  it('README lists no code that the catalogue does not have', () => {
    for (const code of readmeRows().keys()) {
      assert.ok(code in ERROR_CODES, `README documents ${code}, which is not in src/errors/error-codes.ts`);
    }
  });

  it('codes are stable identifiers and AigError carries their statuses', () => {
    for (const code of codes) {
      assert.match(code, /^AIG_ERR_[A-Z0-9_]+$/);
      const err = new AigError(code, 'detail');
      assert.equal(err.code, code);
      assert.equal(err.sipStatus, (ERROR_CODES[code] as ErrorCodeEntry).sip);
      assert.equal(err.message, `${ERROR_CODES[code].message}: detail`);
    }
  });
});
