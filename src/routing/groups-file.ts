/**
 * Loading the groups file (`config/groups.yaml` by default): YAML → shape (zod, `groups-file-schema.ts`) →
 * cross-checks (`groups-file-checks.ts`) → a frozen `RoutingConfig`. A file with any problem is refused as a whole
 * with every problem listed as `file:line:column  path  message`, one per line, so that an editor can jump to it
 * (`AIG_ERR_ROUTING_INVALID`): a half-valid routing table would misroute calls instead of failing at load.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import type { ZodIssue } from 'zod';
import { AigError } from '../errors/aig-error.js';
import { checkGroupReferences, checkHours, type ReportProblem } from './groups-file-checks.js';
import {
  groupsFileSchema,
  hoursSchema,
  type GroupsFileInput,
  type HoursInput,
} from './groups-file-schema.js';
import type { AgentGroup, OpeningHours, OpeningPeriod, RoutingConfig, Weekday } from './routing-types.js';
import { YamlPositions, type YamlPath } from './yaml-positions.js';

/** Where the app looks for the groups file, relative to its working directory. */
export const DEFAULT_GROUPS_FILE = 'config/groups.yaml';

export interface GroupsFileProblem {
  readonly file: string;
  /** 1-based; null for a problem with the file as a whole (unreadable). */
  readonly line: number | null;
  readonly column: number | null;
  /** Dotted path of the value (`groups.cards.overflow.0`), `-` when none. */
  readonly path: string;
  readonly message: string;
}

export type GroupsFileResult =
  | { readonly ok: true; readonly config: RoutingConfig }
  | { readonly ok: false; readonly file: string; readonly problems: readonly GroupsFileProblem[] };

/** Reads and validates a groups file; never rejects (an unreadable file is a problem too). */
export async function tryLoadGroupsFile(file: string): Promise<GroupsFileResult> {
  const absolute = resolve(file);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (err) {
    return {
      ok: false,
      file: absolute,
      problems: [
        {
          file: absolute,
          line: null,
          column: null,
          path: '-',
          message: `cannot be read: ${(err as Error).message}`,
        },
      ],
    };
  }
  return parseGroupsFile(text, absolute);
}

/** Resolves with the config, or rejects with `AIG_ERR_ROUTING_INVALID` listing every problem. */
export async function loadGroupsFile(file: string): Promise<RoutingConfig> {
  const result = await tryLoadGroupsFile(file);
  if (!result.ok) {
    throw groupsFileInvalidError(result.file, result.problems);
  }
  return result.config;
}

/** Validates the text of a groups file; `file` names it in problems and in `RoutingConfig.source`. */
export function parseGroupsFile(text: string, file: string): GroupsFileResult {
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const problems: GroupsFileProblem[] = [];
  if (document.errors.length > 0) {
    for (const error of document.errors) {
      const position = error.linePos?.[0] ?? lines.linePos(error.pos[0]);
      problems.push({
        file,
        line: position?.line ?? null,
        column: position?.col ?? null,
        path: '-',
        message: error.message.split('\n')[0] ?? error.message,
      });
    }
    return { ok: false, file, problems };
  }
  const positions = new YamlPositions(document, lines);
  const report: ReportProblem = (path, message, part = 'value') => {
    const { line, column } = positions.at(path, part);
    problems.push({ file, line, column, path: path.length === 0 ? '-' : path.join('.'), message });
  };

  const parsed = groupsFileSchema.safeParse(document.toJS({ maxAliasCount: 1000 }) ?? {});
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      reportIssue(issue, [], report);
    }
    return { ok: false, file, problems: sortProblems(problems) };
  }
  const input = parsed.data;
  const calendars = new Map<string, HoursInput>();
  for (const [name, value] of Object.entries(input.calendars)) {
    const hours = parseHours(value, ['calendars', name], report);
    if (hours !== null) {
      calendars.set(name, hours);
    }
  }
  const groupHours = new Map<string, HoursInput>();
  for (const [groupId, group] of Object.entries(input.groups)) {
    const path = ['groups', groupId, 'hours'];
    if (group.hours === undefined) {
      report(['groups', groupId], `"hours" is required (a calendar name or the hours written out)`);
    } else if (typeof group.hours === 'string') {
      const calendar = calendars.get(group.hours);
      if (calendar !== undefined) {
        groupHours.set(groupId, calendar);
      } else if (!(group.hours in input.calendars)) {
        report(path, `unknown calendar "${group.hours}"`);
      }
    } else {
      const hours = parseHours(group.hours, path, report);
      if (hours !== null) {
        groupHours.set(groupId, hours);
      }
    }
  }
  checkGroupReferences(input, report);
  if (problems.length > 0) {
    return { ok: false, file, problems: sortProblems(problems) };
  }
  return { ok: true, config: buildConfig(input, groupHours, text, file) };
}

/** `AIG_ERR_ROUTING_INVALID` whose detail lists each problem on its own line. */
export function groupsFileInvalidError(file: string, problems: readonly GroupsFileProblem[]): AigError {
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  return new AigError(
    'AIG_ERR_ROUTING_INVALID',
    `${file}: ${count}\n${problems.map((problem) => `  ${formatGroupsFileProblem(problem)}`).join('\n')}`,
  );
}

/** `file:line:column  path  message`, the file relative to `base` when below it. */
export function formatGroupsFileProblem(problem: GroupsFileProblem, base = process.cwd()): string {
  const fromBase = relative(base, problem.file);
  const file = fromBase.startsWith('..') || isAbsolute(fromBase) ? problem.file : fromBase;
  const where = problem.line === null ? file : `${file}:${problem.line}:${problem.column ?? 1}`;
  return `${where}  ${problem.path}  ${problem.message}`;
}

function parseHours(value: unknown, path: YamlPath, report: ReportProblem): HoursInput | null {
  const parsed = hoursSchema.safeParse(value);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      reportIssue(issue, path, report);
    }
    return null;
  }
  checkHours(parsed.data, path, report);
  return parsed.data;
}

/** A zod issue in words, at the field it is about. */
function reportIssue(issue: ZodIssue, prefix: YamlPath, report: ReportProblem): void {
  const path = [...prefix, ...issue.path];
  if (issue.code === 'unrecognized_keys') {
    for (const key of issue.keys) {
      report([...path, key], `unknown field "${key}"`, 'key');
    }
  } else if (issue.code === 'invalid_type' && issue.received === 'undefined') {
    report(path, `"${String(path[path.length - 1])}" is required`);
  } else if (issue.code === 'invalid_type') {
    report(path, `expected ${issue.expected}, got ${issue.received}`);
  } else {
    report(path, issue.message);
  }
}

function sortProblems(problems: GroupsFileProblem[]): GroupsFileProblem[] {
  return problems.sort(
    (a, b) =>
      (a.line ?? 0) - (b.line ?? 0) ||
      (a.column ?? 0) - (b.column ?? 0) ||
      a.message.localeCompare(b.message),
  );
}

const WEEKDAYS: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

function toOpeningHours(hours: HoursInput): OpeningHours {
  const weekly = Object.fromEntries(
    WEEKDAYS.map((day) => [
      day,
      Object.freeze(
        hours.weekly[day].map((text): OpeningPeriod => {
          const [open = '', close = ''] = text.split('-');
          return Object.freeze({ open, close });
        }),
      ),
    ]),
  ) as Record<Weekday, readonly OpeningPeriod[]>;
  return Object.freeze({
    timezone: hours.timezone,
    weekly: Object.freeze(weekly),
    closures: Object.freeze(hours.closures.map((closure) => Object.freeze({ ...closure }))),
    closedOnPublicHolidays: hours.closedOnPublicHolidays,
    alsaceMoselle: hours.alsaceMoselle,
  });
}

function buildConfig(
  input: GroupsFileInput,
  groupHours: ReadonlyMap<string, HoursInput>,
  text: string,
  file: string,
): RoutingConfig {
  // One OpeningHours object per calendar: the opening-hours cache is per object.
  const built = new Map<HoursInput, OpeningHours>();
  const groups = new Map<string, AgentGroup>();
  for (const [groupId, group] of Object.entries(input.groups)) {
    const source = groupHours.get(groupId)!;
    let hours = built.get(source);
    if (hours === undefined) {
      hours = toOpeningHours(source);
      built.set(source, hours);
    }
    groups.set(
      groupId,
      Object.freeze({
        id: groupId,
        name: group.name,
        uris: Object.freeze([...group.uris]),
        skills: Object.freeze({ ...group.skills }),
        hours,
        defaultStaffedAgents: group.staffedAgents,
        maxWaitingPerAgent: group.maxWaitingPerAgent,
        averageHandlingSeconds: group.averageHandlingSeconds,
        overflow: Object.freeze([...group.overflow]),
        transfer: Object.freeze({ ...group.transfer }),
        receivesPersonalData: group.receivesPersonalData,
      }),
    );
  }
  return Object.freeze({
    source: file,
    version: createHash('sha256').update(text).digest('hex').slice(0, 12),
    groups,
    rules: Object.freeze(
      input.rules.map((rule) =>
        Object.freeze({
          id: rule.id,
          when: deepFreeze(structuredClone(rule.when)),
          skill: rule.skill,
          level: rule.level,
        }),
      ),
    ),
    defaultRoute: Object.freeze({ ...input.defaultRoute }),
    priority: deepFreeze(structuredClone(input.priority)),
    callbacks: deepFreeze(structuredClone(input.callbacks)),
  });
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    Object.freeze(value);
    for (const item of Object.values(value)) {
      deepFreeze(item);
    }
  }
  return value;
}
