/**
 * Reading a flow folder: every file, once, so that validation, the version hash and the loaded flow all see the
 * same bytes even if a designer saves again half-way through. The version is the first 12 hex characters of a
 * sha-256 over each file's relative path and content, in path order: any edit gives a new version, an edit undone
 * gives the old one back, and a save that changes nothing does not count as a reload.
 *
 * Hidden files and editor backups (`.machine.json.swp`, `machine.json~`) are not part of the flow.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';

export const FLOW_SETTINGS_FILE = 'flow.json';
export const FLOW_MACHINE_FILE = 'machine.json';

export interface FlowFiles {
  /** Absolute folder path. */
  readonly directory: string;
  /** The folder name: the flow id. */
  readonly flowId: string;
  /** Relative path (with "/") → text, for the JSON files. */
  readonly texts: ReadonlyMap<string, string>;
  readonly version: string;
}

/** Rejects with the file system's error when the folder cannot be read. */
export async function readFlowFiles(directory: string): Promise<FlowFiles> {
  const root = resolve(directory);
  const paths = (await listFiles(root)).sort();
  const hash = createHash('sha256');
  const texts = new Map<string, string>();
  for (const path of paths) {
    const bytes = await readFile(path);
    const name = relative(root, path).split(sep).join('/');
    hash.update(name).update('\0').update(bytes).update('\0');
    if (name.endsWith('.json')) {
      texts.set(name, bytes.toString('utf8'));
    }
  }
  return { directory: root, flowId: basename(root), texts, version: hash.digest('hex').slice(0, 12) };
}

/** True for files and folders that are not part of a flow (hidden, editor backups). */
export function isIgnoredFlowEntry(name: string): boolean {
  return name.startsWith('.') || name.endsWith('~');
}

async function listFiles(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries) {
    if (isIgnoredFlowEntry(entry.name)) {
      continue;
    }
    const path = join(directory, entry.name);
    if (entry.isDirectory()) {
      files.push(...(await listFiles(path)));
    } else if (entry.isFile()) {
      files.push(path);
    }
  }
  return files;
}
