/**
 * Runs the shared entity test vectors (test/fixtures/understanding/entities-{fr,en}.tsv, written independently of
 * the extractors) and reports the pass rate per file and kind. Vector format: `kind<TAB>input<TAB>expected`,
 * kinds yesno (yes/no/none), number (digits), nir (13 + 2 characters, or `invalid`), date (ISO, relative to
 * 2026-11-28).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseDate } from '../../../../src/understanding/entities/date.js';
import { parseNir } from '../../../../src/understanding/entities/nir.js';
import { parseSpokenDigits } from '../../../../src/understanding/entities/spoken-number.js';
import { extractYesNo } from '../../../../src/understanding/entities/yes-no.js';

const VECTOR_TODAY = new Date(2026, 10, 28);

type Lang = 'fr' | 'en';

const EXTRACTORS: Readonly<Record<string, (input: string, lang: Lang) => string>> = {
  yesno: (input, lang) => extractYesNo(input, lang)?.value ?? 'none',
  number: (input, lang) => parseSpokenDigits(input, lang) ?? 'none',
  nir: (input, lang) => {
    const nir = parseNir(input, lang);
    return nir === null ? 'none' : nir.valid ? nir.nir + nir.key : 'invalid';
  },
  date: (input, lang) => parseDate(input, lang, VECTOR_TODAY) ?? 'none',
};

function readVectors(lang: Lang): { kind: string; input: string; expected: string }[] {
  const path = fileURLToPath(
    new URL(`../../../fixtures/understanding/entities-${lang}.tsv`, import.meta.url),
  );
  const [header, ...lines] = readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '');
  assert.equal(header, 'kind\tinput\texpected');
  return lines.map((line) => {
    const [kind = '', input = '', expected = ''] = line.split('\t');
    return { kind, input, expected: expected.trim() };
  });
}

describe('shared entity vectors', () => {
  for (const lang of ['fr', 'en'] as const) {
    it(`entities-${lang}.tsv: every vector passes`, (t) => {
      const vectors = readVectors(lang);
      const failures: string[] = [];
      const perKind = new Map<string, { pass: number; total: number }>();
      for (const { kind, input, expected } of vectors) {
        const extract = EXTRACTORS[kind];
        assert.ok(extract !== undefined, `unknown kind ${kind}`);
        const actual = extract(input, lang);
        const tally = perKind.get(kind) ?? { pass: 0, total: 0 };
        tally.total++;
        if (actual === expected) {
          tally.pass++;
        } else {
          failures.push(`${kind} ${JSON.stringify(input)}: expected ${expected}, got ${actual}`);
        }
        perKind.set(kind, tally);
      }
      const passed = vectors.length - failures.length;
      const kinds = [...perKind].map(([kind, { pass, total }]) => `${kind} ${pass}/${total}`).join(', ');
      t.diagnostic(
        `${lang}: ${passed}/${vectors.length} (${((100 * passed) / vectors.length).toFixed(1)}%) — ${kinds}`,
      );
      assert.deepEqual(failures, []);
    });
  }
});
