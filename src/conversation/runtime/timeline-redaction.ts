/**
 * What of the caller's words may reach a timeline. Transcripts are replaced by a marker unless the deployment
 * chose to keep them (`transcripts: 'keep'`, e.g. a pilot with the callers' consent); even then, numbers the
 * caller said are masked, because they are usually identifiers. Digits and NIRs are masked whatever the policy.
 *
 * Templates that end up in the timeline (prompt texts with variables, `note` texts) are rendered against a
 * redacted copy of the scope (`redactScope`), so a read-back prompt ("votre numéro est le {{context.nir.readBack}}")
 * is logged with the groups masked.
 */
import type { ConversationLanguage } from '../../config/config-types.js';
import { REDACTED } from '../../logging/redaction.js';
import { findNir, maskNir } from '../../understanding/entities/nir.js';
import { findDigitRuns } from '../../understanding/entities/spoken-number.js';
import type { FlowContext, FlowNir } from './flow-context.js';
import type { TemplateScope } from './flow-templates.js';

/** `redact`: transcripts never reach the timeline. `keep`: they do, with numbers masked. */
export type TranscriptPolicy = 'redact' | 'keep';

/** Every digit (and letter of a Corsican NIR) becomes `*`, the length stays visible. */
export function maskDigits(digits: string): string {
  return digits.replace(/[\p{L}\p{N}]/gu, '*');
}

function maskFlowNir(nir: FlowNir): FlowNir {
  const masked = maskNir(nir.value);
  return { value: masked, valid: nir.valid, readBack: masked.split(' ').join(', ') };
}

/** A transcript fit for the timeline under `policy`. */
export function redactTranscript(
  text: string,
  policy: TranscriptPolicy,
  language: ConversationLanguage,
): string {
  if (policy === 'redact') {
    return REDACTED;
  }
  const spans: { start: number; end: number }[] = [];
  const nir = findNir(text, language);
  if (nir !== null) {
    spans.push({ start: nir.start, end: nir.end });
  }
  for (const run of findDigitRuns(text, language)) {
    spans.push({ start: run.start, end: run.end });
  }
  spans.sort((a, b) => a.start - b.start);
  const merged: { start: number; end: number }[] = [];
  for (const span of spans) {
    const last = merged[merged.length - 1];
    if (last !== undefined && span.start <= last.end) {
      last.end = Math.max(last.end, span.end);
    } else {
      merged.push({ ...span });
    }
  }
  let masked = text;
  for (const span of merged.reverse()) {
    masked = `${masked.slice(0, span.start)}${'*'.repeat(span.end - span.start)}${masked.slice(span.end)}`;
  }
  // Digits the number grammar did not read as a number (a lone "2b") are masked too.
  return masked.replace(/\p{N}/gu, '*');
}

/** Masks the caller's words in one value of an event output (recursively). */
function redactOutputValue(
  key: string,
  value: unknown,
  policy: TranscriptPolicy,
  language: ConversationLanguage,
): unknown {
  if (value === null || value === undefined) {
    return value;
  }
  switch (key) {
    case 'transcript':
      return typeof value === 'string' ? redactTranscript(value, policy, language) : REDACTED;
    case 'digits':
      return typeof value === 'string' ? maskDigits(value) : REDACTED;
    case 'nir':
      return isFlowNir(value) ? maskFlowNir(value) : REDACTED;
    case 'entities':
      return REDACTED;
    default:
      if (Array.isArray(value)) {
        return value.map((item) => redactOutputValue('', item, policy, language));
      }
      if (typeof value === 'object') {
        const copy: Record<string, unknown> = {};
        for (const [inner, item] of Object.entries(value)) {
          copy[inner] = redactOutputValue(inner, item, policy, language);
        }
        return copy;
      }
      return value;
  }
}

function isFlowNir(value: unknown): value is FlowNir {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { value?: unknown }).value === 'string' &&
    typeof (value as { valid?: unknown }).valid === 'boolean'
  );
}

function redactContext(context: FlowContext, policy: TranscriptPolicy): FlowContext {
  return {
    ...context,
    transcript:
      context.transcript === null ? null : redactTranscript(context.transcript, policy, context.language),
    digits: context.digits === null ? null : maskDigits(context.digits),
    nir: context.nir === null ? null : maskFlowNir(context.nir),
  };
}

/** The scope with the caller's words masked, for templates whose result is logged. */
export function redactScope(scope: TemplateScope, policy: TranscriptPolicy): TemplateScope {
  return {
    context: redactContext(scope.context, policy),
    event: redactOutputValue('', scope.event, policy, scope.context.language),
  };
}
