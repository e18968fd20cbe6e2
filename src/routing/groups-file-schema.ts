/**
 * The groups file's shape (zod), field by field, with its defaults. Shape only: what needs the whole file (overflow
 * ids, cycles, skills held, overlapping periods, closures) is `groups-file-checks.ts`. docs/routing.md documents
 * every field; keep the two in step.
 */
import { z } from 'zod';

const WEEKDAY_KEYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

export const ID_PATTERN = /^[a-z][a-z0-9_-]*$/;
const id = z
  .string()
  .regex(ID_PATTERN, { message: 'must be lower case letters, digits, _ or -, from a letter' });
const level = z.union([z.literal(1), z.literal(2)], {
  errorMap: () => ({ message: 'must be 1 (first line) or 2 (expert)' }),
});

/** `"08:30-12:00"`: checked for form and order in `groups-file-checks.ts`, where the position is known. */
const period = z.string().regex(/^\d{2}:\d{2}-\d{2}:\d{2}$/, { message: 'must be "HH:MM-HH:MM"' });

export const closureSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    reason: z.string().min(1),
  })
  .strict();

export const hoursSchema = z
  .object({
    timezone: z.string().min(1).default('Europe/Paris'),
    weekly: z
      .object(
        Object.fromEntries(WEEKDAY_KEYS.map((day) => [day, z.array(period).default([])])) as {
          [K in (typeof WEEKDAY_KEYS)[number]]: z.ZodDefault<z.ZodArray<typeof period>>;
        },
      )
      .strict(),
    closures: z.array(closureSchema).default([]),
    closedOnPublicHolidays: z.boolean().default(true),
    alsaceMoselle: z.boolean().default(false),
  })
  .strict();

export type HoursInput = z.infer<typeof hoursSchema>;

export const groupSchema = z
  .object({
    name: z.string().min(1),
    uris: z
      .array(z.string().regex(/^sips?:[^\s]+$/, { message: 'must be a sip: or sips: URI' }))
      .min(1, { message: 'at least one URI is needed' }),
    skills: z.record(id, level).refine((skills) => Object.keys(skills).length > 0, {
      message: 'a group needs at least one skill',
    }),
    /** A calendar name (under `calendars`) or the hours written out; validated in the loader. */
    hours: z.unknown(),
    staffedAgents: z.number().int().min(0),
    maxWaitingPerAgent: z.number().min(0).default(3),
    averageHandlingSeconds: z.number().positive().default(300),
    overflow: z.array(id).default([]),
    transfer: z
      .object({
        mode: z.enum(['refer', 'bridge']).default('refer'),
        fallbackToBridge: z.boolean().default(true),
        timeoutMs: z.number().int().positive().default(30_000),
      })
      .strict()
      .default({}),
    receivesPersonalData: z.boolean().default(false),
  })
  .strict();

export type GroupInput = z.infer<typeof groupSchema>;

export const ruleSchema = z
  .object({
    id,
    when: z
      .object({
        intents: z.array(z.string().min(1)).min(1).optional(),
        entities: z.record(z.union([z.string(), z.boolean()])).optional(),
        minPriority: z.number().int().min(0).optional(),
        languages: z.array(z.string().min(2)).min(1).optional(),
        dialledNumbers: z.array(z.string().min(1)).min(1).optional(),
      })
      .strict(),
    skill: id,
    level: level.default(1),
  })
  .strict();

export const priorityPolicySchema = z
  .object({
    repeatCaller: z
      .object({
        calls: z.number().int().min(2),
        days: z.number().positive(),
        raiseBy: z.number().int().min(1),
      })
      .strict()
      .nullable()
      .default(null),
    recognitionFailures: z
      .object({ failures: z.number().int().min(1), raiseBy: z.number().int().min(1) })
      .strict()
      .nullable()
      .default(null),
    vulnerability: z
      .object({ raiseBy: z.number().int().min(1) })
      .strict()
      .nullable()
      .default(null),
    max: z.number().int().min(0).default(9),
  })
  .strict();

export const callbackPolicySchema = z
  .object({
    offerAboveWaitSeconds: z.number().min(0).default(600),
    slotMinutes: z.number().int().min(5).default(30),
    slotCapacity: z.number().int().min(1).default(10),
    slotsOffered: z.number().int().min(1).max(9).default(3),
    minLeadMinutes: z.number().int().min(0).default(30),
    maxAttempts: z.number().int().min(1).default(3),
    retryBackoffMinutes: z.array(z.number().positive()).min(1).default([10, 30]),
    ringSeconds: z.number().int().min(5).default(30),
  })
  .strict();

export const groupsFileSchema = z
  .object({
    calendars: z.record(id, z.unknown()).default({}),
    groups: z.record(id, groupSchema).refine((groups) => Object.keys(groups).length > 0, {
      message: 'at least one group is needed',
    }),
    rules: z.array(ruleSchema).default([]),
    defaultRoute: z.object({ skill: id, level: level.default(1) }).strict(),
    priority: priorityPolicySchema.default({}),
    callbacks: callbackPolicySchema.default({}),
  })
  .strict();

export type GroupsFileInput = z.infer<typeof groupsFileSchema>;
