/**
 * The `offerCallback` step (contre-appel): books a callback with the caller, by voice or keypad.
 *
 *   1. The number: the calling number is proposed ("…se terminant par 7, 8, c'est bien ça ?"); a "no", or a
 *      withheld number, leads to a keypad entry of a French number (10 digits, 0 then 1-9), read back and confirmed.
 *   2. The slot: the next free slots of the group (opening hours, holidays, per-slot capacity) are read out; the
 *      caller keys or says 1, 2, 3 — 0 or nothing suitable ends without a booking.
 *   3. The booking (a delayed job with a deterministic id, see `src/store/callback-store.ts`); a slot taken
 *      meanwhile sends the caller back to step 2 with fresh slots, once.
 *
 * The step's prompts are fixed ids the flow must provide in every language (`CALLBACK_PROMPTS` in
 * flow-vocabulary.ts, checked at load);
 * their templates read `context.callback` (`numberEnd`, `numberReadBack`, `slotsText`, `slotText`). The group is
 * `input.group`, else the one `route` chose (`context.route.group`). The number is personal data: the timeline gets
 * it masked, the flow context only its last two digits.
 *
 * Output (`storeCallback` keeps it in `context.callback`): `{ status: "booked" | "declined" | "no-slot" |
 * "no-number", callbackId?, slot?, slotText?, numberEnd? }`.
 */
import { AigError } from '../../errors/aig-error.js';
import { frenchNationalNumber } from '../../store/caller-number.js';
import type { TemplateScope } from './flow-templates.js';
import { runCollectDigitsStep } from './collect-digits-step.js';
import { runConfirmStep } from './confirm-step.js';
import type { FlowContext } from './flow-context.js';
import type { FlowCallbackSlot } from './flow-routing.js';
import { promptIds, resolvePrompts } from './flow-prompts.js';
import { stringArg } from './flow-step-args.js';
import { FlowStepError } from './flow-step-error.js';
import type { FlowStepEnvironment, FlowStepInput } from './flow-step-types.js';
import { decideRoute, requireRouting } from './route-step.js';
import { spokenLastDigits, spokenMoment, spokenPhoneNumber } from './spoken-time.js';

export interface OfferCallbackOutput {
  readonly status: 'booked' | 'declined' | 'no-slot' | 'no-number';
  readonly callbackId?: string;
  readonly slot?: string;
  readonly slotText?: string;
  readonly numberEnd?: string;
}

/** Keypad entries of the number, and choices of a slot, before giving up. */
const ATTEMPTS = 2;

/**
 * A number we can call back, as national digits: French numbers only (mainland and overseas; not 08 premium-rate
 * or special numbers), in any form the caller-number normalizer reads (`0…`, `+33…`, `0033…`, SIP/tel URIs). Null
 * otherwise.
 */
export function callableNumber(raw: string | null): string | null {
  const national = frenchNationalNumber(raw);
  return national !== null && /^0[1-79]\d{8}$/.test(national) ? national : null;
}

interface CallbackScope {
  numberEnd?: string;
  numberReadBack?: string;
  slotsText?: string;
  slotText?: string;
}

function scopeWith(scope: TemplateScope, callback: CallbackScope): TemplateScope {
  const context: FlowContext = { ...scope.context, callback };
  return { context, event: scope.event };
}

async function say(env: FlowStepEnvironment, scope: TemplateScope, id: string): Promise<void> {
  const language = scope.context.language;
  const prompts = resolvePrompts(env.flow, language, [id], scope, env.session.recorder, false);
  if (prompts.length > 0) {
    await env.session.say({ prompts, language, bargeIn: false });
  }
}

async function yes(env: FlowStepEnvironment, scope: TemplateScope, prompt: string): Promise<boolean> {
  const answer = await runConfirmStep(env, { args: { prompts: [prompt], retries: 1 }, scope });
  return answer.answer === 'yes';
}

/** The number to call back, or null when the caller could not give one. */
async function confirmNumber(env: FlowStepEnvironment, scope: TemplateScope): Promise<string | null> {
  const presented = callableNumber(env.session.port.callerNumber);
  if (presented !== null) {
    const confirmed = await yes(
      env,
      scopeWith(scope, { numberEnd: spokenLastDigits(presented) }),
      'callbackNumberConfirm',
    );
    if (confirmed) {
      return presented;
    }
  }
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const entry = await runCollectDigitsStep(env, {
      args: { prompts: ['callbackNumberAsk'], min: 10, max: 10, terminator: '#', spoken: true },
      scope,
    });
    const keyed = entry.kind === 'digits' ? callableNumber(entry.digits) : null;
    if (keyed === null) {
      if (entry.kind !== 'no-input') {
        await say(env, scope, 'callbackNumberInvalid');
      }
      continue;
    }
    const readBack = scopeWith(scope, {
      numberReadBack: spokenPhoneNumber(keyed),
      numberEnd: spokenLastDigits(keyed),
    });
    if (await yes(env, readBack, 'callbackNumberReadBack')) {
      return keyed;
    }
  }
  return null;
}

/** The slot the caller chose among `slots` (1-based key or spoken digit), or null. */
async function chooseSlot(
  env: FlowStepEnvironment,
  scope: TemplateScope,
  slots: readonly FlowCallbackSlot[],
  texts: readonly string[],
): Promise<FlowCallbackSlot | null> {
  const language = scope.context.language;
  const slotsText = texts
    .map((text, i) => (language === 'fr' ? `${text}, tapez ${i + 1}` : `${text}, press ${i + 1}`))
    .join(' ; ');
  const choiceScope = scopeWith(scope, { slotsText });
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const entry = await runCollectDigitsStep(env, {
      args: { prompts: ['callbackSlots'], min: 1, max: 1, terminator: '', spoken: true },
      scope: choiceScope,
    });
    if (entry.kind === 'digits') {
      if (entry.digits === '0') {
        return null;
      }
      const slot = slots[Number(entry.digits) - 1];
      if (slot !== undefined) {
        return slot;
      }
    }
  }
  return null;
}

function isSlotFull(err: unknown): boolean {
  return err instanceof AigError && err.code === 'AIG_ERR_CALLBACK_SLOT_FULL';
}

export async function runOfferCallbackStep(
  env: FlowStepEnvironment,
  input: FlowStepInput,
): Promise<OfferCallbackOutput> {
  const routing = requireRouting(env);
  const { args, scope } = input;
  const context = scope.context;
  const language = context.language;
  const intro = promptIds(args.prompts);
  let groupId = stringArg(args, 'group');
  const stored = context.route as { group?: unknown; priority?: unknown; reasons?: unknown } | null;
  if (groupId === null && typeof stored?.group === 'string') {
    groupId = stored.group;
  }
  let priority = typeof stored?.priority === 'number' ? stored.priority : 0;
  if (groupId === null) {
    const { summary } = await decideRoute(env, context, null, null);
    groupId = summary.group;
    priority = summary.priority;
  }
  const group = groupId === null ? null : routing.group(groupId);
  if (group === null) {
    throw new FlowStepError(
      'AIG_ERR_FLOW_TRANSFER',
      'no-group',
      `no group to call back from (${groupId ?? 'none'})`,
    );
  }
  const timezone = group.hours.timezone;
  if (intro.length > 0) {
    const prompts = resolvePrompts(env.flow, language, intro, scope, env.session.recorder, false);
    await env.session.say({ prompts, language, bargeIn: false });
  }
  let slots = await routing.callbackSlots(group.id);
  if (slots.length === 0) {
    await say(env, scope, 'callbackNoSlot');
    env.session.recorder.callback({ status: 'no-slot', group: group.id });
    return { status: 'no-slot' };
  }
  const number = await confirmNumber(env, scope);
  if (number === null) {
    await say(env, scope, 'callbackDeclined');
    env.session.recorder.callback({ status: 'no-number', group: group.id });
    return { status: 'no-number' };
  }
  const numberEnd = spokenLastDigits(number);
  for (let round = 0; round < 2; round++) {
    const now = new Date();
    const texts = slots.map((slot) => spokenMoment(new Date(slot.start), now, timezone, language));
    const slot = await chooseSlot(env, scope, slots, texts);
    if (slot === null) {
      await say(env, scope, 'callbackDeclined');
      env.session.recorder.callback({ status: 'declined', group: group.id, slotsOffered: slots.length });
      return { status: 'declined' };
    }
    try {
      const booking = await routing.bookCallback({
        callId: env.callId,
        groupId: group.id,
        language,
        intent: context.intent ?? context.lastQualifiedIntent,
        number,
        slot,
        priority,
        context: {
          intent: context.intent ?? context.lastQualifiedIntent,
          confidence: context.confidence,
          nirStatus: context.nir === null ? 'absent' : context.nir.valid ? 'valid' : 'invalid',
          flowVersion: `${env.flow.id}@${env.flow.version}`,
          reasons: typeof stored?.reasons === 'string' ? stored.reasons : null,
        },
      });
      const slotText = spokenMoment(new Date(booking.slot.start), now, timezone, language);
      await say(env, scopeWith(scope, { slotText, numberEnd }), 'callbackBooked');
      env.session.recorder.callback({
        status: 'booked',
        group: group.id,
        callbackId: booking.callbackId,
        slot: booking.slot.start,
      });
      env.session.callbackId = booking.callbackId;
      return {
        status: 'booked',
        callbackId: booking.callbackId,
        slot: booking.slot.start,
        slotText,
        numberEnd,
      };
    } catch (err) {
      if (!isSlotFull(err) || round === 1) {
        throw err;
      }
      await say(env, scope, 'callbackSlotTaken');
      slots = await routing.callbackSlots(group.id);
      if (slots.length === 0) {
        await say(env, scope, 'callbackNoSlot');
        return { status: 'no-slot' };
      }
    }
  }
  return { status: 'declined' };
}
