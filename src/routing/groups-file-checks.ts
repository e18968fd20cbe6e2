/**
 * Checks that need more than one field of the groups file: opening hours well formed (a known time zone, periods
 * "HH:MM-HH:MM" with close after open and no overlap within a day, closures that parse and end after they start),
 * overflow chains that name existing groups and never loop, rules and the default route asking for a skill (at
 * that level) that some group holds. Every problem is reported at the path where the author wrote the value.
 */
import type { YamlPath } from './yaml-positions.js';
import type { GroupsFileInput, HoursInput } from './groups-file-schema.js';
import { parseClockTime, parseClosureBound } from './opening-hours.js';
import { isValidTimeZone, zonedInstant } from './zoned-time.js';

export type ReportProblem = (path: YamlPath, message: string, part?: 'key' | 'value') => void;

/** Checks one set of opening hours written at `path`. */
export function checkHours(hours: HoursInput, path: YamlPath, report: ReportProblem): void {
  const timezoneKnown = isValidTimeZone(hours.timezone);
  if (!timezoneKnown) {
    report(
      [...path, 'timezone'],
      `unknown time zone "${hours.timezone}" (an IANA name such as Europe/Paris)`,
    );
  }
  for (const [day, periods] of Object.entries(hours.weekly)) {
    const parsed: { open: number; close: number; index: number }[] = [];
    periods.forEach((text, index) => {
      const [openText = '', closeText = ''] = text.split('-');
      const open = parseClockTime(openText);
      const close = parseClockTime(closeText);
      if (Number.isNaN(open) || Number.isNaN(close) || open === 1440) {
        report(
          [...path, 'weekly', day, index],
          `"${text}": times must be 00:00 to 23:59 ("24:00" as a close)`,
        );
      } else if (close <= open) {
        report([...path, 'weekly', day, index], `"${text}": closes before it opens`);
      } else {
        parsed.push({ open, close, index });
      }
    });
    parsed.sort((a, b) => a.open - b.open);
    for (let i = 1; i < parsed.length; i++) {
      const previous = parsed[i - 1]!;
      const current = parsed[i]!;
      if (current.open < previous.close) {
        report(
          [...path, 'weekly', day, current.index],
          `"${periods[current.index]}" overlaps "${periods[previous.index]}"`,
        );
      }
    }
  }
  hours.closures.forEach((closure, index) => {
    const from = parseClosureBound(closure.from, 'from');
    const to = parseClosureBound(closure.to, 'to');
    if (from === null) {
      report(
        [...path, 'closures', index, 'from'],
        `"${closure.from}": expected YYYY-MM-DD or YYYY-MM-DDTHH:MM`,
      );
    }
    if (to === null) {
      report([...path, 'closures', index, 'to'], `"${closure.to}": expected YYYY-MM-DD or YYYY-MM-DDTHH:MM`);
    }
    if (from !== null && to !== null && timezoneKnown) {
      const start = zonedInstant(from.date, from.minutes, hours.timezone).getTime();
      const end = zonedInstant(to.date, to.minutes, hours.timezone).getTime();
      if (end <= start) {
        report(
          [...path, 'closures', index, 'to'],
          `the closure ends (${closure.to}) before it starts (${closure.from})`,
        );
      }
    }
  });
}

/** Overflow chains, rules and the default route against the groups. */
export function checkGroupReferences(input: GroupsFileInput, report: ReportProblem): void {
  const groups = input.groups;
  for (const [groupId, group] of Object.entries(groups)) {
    group.overflow.forEach((target, index) => {
      if (target === groupId) {
        report(['groups', groupId, 'overflow', index], `"${groupId}" overflows to itself`);
      } else if (!(target in groups)) {
        report(['groups', groupId, 'overflow', index], `unknown group "${target}"`);
      }
    });
  }
  for (const cycle of overflowCycles(input)) {
    const [first] = cycle;
    report(['groups', first!, 'overflow'], `overflow cycle: ${[...cycle, first].join(' → ')}`);
  }
  const holds = (skill: string, level: number): boolean =>
    Object.values(groups).some((group) => (group.skills[skill] ?? 0) >= level);
  input.rules.forEach((rule, index) => {
    if (!holds(rule.skill, 1)) {
      report(['rules', index, 'skill'], `no group holds the skill "${rule.skill}"`);
    } else if (!holds(rule.skill, rule.level)) {
      report(['rules', index, 'level'], `no group holds "${rule.skill}" at level ${rule.level}`);
    }
    const earlier = input.rules.findIndex((other) => other.id === rule.id);
    if (earlier !== index) {
      report(['rules', index, 'id'], `rule id "${rule.id}" is already used by rule ${earlier + 1}`);
    }
  });
  if (!holds(input.defaultRoute.skill, input.defaultRoute.level)) {
    report(
      ['defaultRoute', 'skill'],
      `no group holds the default skill "${input.defaultRoute.skill}" at level ${input.defaultRoute.level}`,
    );
  }
}

/** Each overflow cycle once, as the group ids along it (self-loops are reported separately). */
function overflowCycles(input: GroupsFileInput): string[][] {
  const cycles: string[][] = [];
  const seen = new Set<string>();
  const done = new Set<string>();
  const visit = (groupId: string, path: string[]): void => {
    if (done.has(groupId)) {
      return;
    }
    const at = path.indexOf(groupId);
    if (at >= 0) {
      const cycle = path.slice(at);
      const key = [...cycle].sort().join(',');
      if (cycle.length > 1 && !seen.has(key)) {
        seen.add(key);
        cycles.push(cycle);
      }
      return;
    }
    for (const next of input.groups[groupId]?.overflow ?? []) {
      if (next in input.groups) {
        visit(next, [...path, groupId]);
      }
    }
  };
  for (const groupId of Object.keys(input.groups)) {
    visit(groupId, []);
    done.add(groupId);
  }
  return cycles;
}
