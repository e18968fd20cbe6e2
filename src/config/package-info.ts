/**
 * The package's own name and version, read from its package.json. The file sits two levels above this module in
 * the source tree (`src/config/`) and three levels above it once built (`dist/src/config/`), so it is found by
 * walking up rather than by a fixed relative path.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_NAME = 'aiguilleur';

let cachedVersion: string | undefined;

/** The version field of Aiguilleur's package.json, e.g. `0.1.0`. */
export function packageVersion(): string {
  if (cachedVersion === undefined) {
    cachedVersion = findPackageVersion(dirname(fileURLToPath(import.meta.url)));
  }
  return cachedVersion;
}

let cachedRoot: string | undefined;

/** The folder holding Aiguilleur's package.json (source checkout or installed package). */
export function packageRoot(): string {
  if (cachedRoot === undefined) {
    findPackageVersion(dirname(fileURLToPath(import.meta.url)));
  }
  return cachedRoot ?? process.cwd();
}

function findPackageVersion(start: string): string {
  let dir = start;
  for (;;) {
    const candidate = readPackageJson(join(dir, 'package.json'));
    if (candidate?.name === PACKAGE_NAME && typeof candidate.version === 'string') {
      cachedRoot = dir;
      return candidate.version;
    }
    const parent = dirname(dir);
    if (parent === dir) {
      // Only reachable if the module was copied out of its package; the version is informative, not load-bearing.
      return '0.0.0';
    }
    dir = parent;
  }
}

function readPackageJson(file: string): { name?: unknown; version?: unknown } | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null ? parsed : undefined;
  } catch {
    return undefined;
  }
}
