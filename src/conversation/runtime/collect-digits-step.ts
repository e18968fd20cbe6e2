/**
 * The `collectDigits` step: an identifier on the keypad or, with `spoken` (the default), said aloud — "un
 * quatre-vingt-cinq zéro cinq…" is read by the same number grammar as typed digits. With `entity: "nir"` the
 * answer is checked as a NIR (format and key, `parseNir`); the flow reads it back from `nir.readBack` and routes
 * on `nirValid`.
 *
 * Keys: the terminator (default `#`) ends the entry and is not part of it; `*` starts again. An answer outside
 * `min`–`max` digits, or with no digit at all, is `invalid`.
 */
import { parseNir, formatNirForReadBack } from '../../understanding/entities/nir.js';
import { parseDtmfDigits, parseSpokenDigits } from '../../understanding/entities/spoken-number.js';
import type { CollectDigitsOutcome } from './call-port.js';
import type { FlowNir } from './flow-context.js';
import { promptIds, resolvePrompts } from './flow-prompts.js';
import { booleanArg, choiceArg, numberArg, requiredNumberArg, stringArg } from './flow-step-args.js';
import { FlowStepError } from './flow-step-error.js';
import type { FlowStepEnvironment, FlowStepInput } from './flow-step-types.js';

export type CollectDigitsStepOutput =
  | { readonly kind: 'digits'; readonly digits: string; readonly nir?: FlowNir }
  | { readonly kind: 'no-input' }
  | { readonly kind: 'invalid'; readonly reason: 'no-digits' | 'length' };

/** The keys before the terminator, `*` restarting the entry; null when no digit remains. */
export function keyedDigits(keys: string, terminator: string | null): string | null {
  const cut = terminator === null ? keys : keys.split(terminator)[0]!;
  return parseDtmfDigits(cut.replaceAll('#', ''));
}

function flowNirOf(value: string, valid: boolean): FlowNir {
  return { value, valid, readBack: formatNirForReadBack(value).join(', ') };
}

export async function runCollectDigitsStep(
  env: FlowStepEnvironment,
  input: FlowStepInput,
): Promise<CollectDigitsStepOutput> {
  const { args, scope } = input;
  const language = scope.context.language;
  const min = Math.floor(requiredNumberArg(args, 'min', 1));
  const max = Math.floor(requiredNumberArg(args, 'max', 1));
  if (max < min) {
    throw new FlowStepError('AIG_ERR_FLOW_INPUT', 'bad-input', `"max" (${max}) is below "min" (${min})`);
  }
  const terminatorArg = stringArg(args, 'terminator');
  const terminator = args.terminator === undefined ? '#' : terminatorArg === '' ? null : terminatorArg;
  const entity = choiceArg(args, 'entity', ['digits', 'nir'] as const, 'digits');
  const outcome: CollectDigitsOutcome = await env.session.collectDigits({
    prompts: resolvePrompts(env.flow, language, promptIds(args.prompts), scope, env.session.recorder, true),
    language,
    min,
    max,
    terminator,
    interDigitMs: numberArg(args, 'interDigitMs', env.listenDefaults.interDigitMs, 1),
    firstDigitMs: numberArg(args, 'firstDigitMs', env.listenDefaults.firstDigitMs, 1),
    spoken: booleanArg(args, 'spoken', true),
  });
  if (outcome.kind === 'no-input') {
    return { kind: 'no-input' };
  }
  if (entity === 'nir') {
    const parse = parseNir(
      outcome.kind === 'keys' ? (keyedDigits(outcome.digits, terminator) ?? '') : outcome.transcript,
      language,
    );
    if (parse === null) {
      return { kind: 'invalid', reason: 'no-digits' };
    }
    const value = parse.nir + parse.key;
    if (value.length < min || value.length > max) {
      return { kind: 'invalid', reason: 'length' };
    }
    return { kind: 'digits', digits: value, nir: flowNirOf(value, parse.valid) };
  }
  const digits =
    outcome.kind === 'keys'
      ? keyedDigits(outcome.digits, terminator)
      : parseSpokenDigits(outcome.transcript, language);
  if (digits === null) {
    return { kind: 'invalid', reason: 'no-digits' };
  }
  if (digits.length < min || digits.length > max) {
    return { kind: 'invalid', reason: 'length' };
  }
  return { kind: 'digits', digits };
}
