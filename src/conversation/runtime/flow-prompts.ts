/**
 * Prompt ids → what the call says. Texts come from the flow's `prompts/<lang>.json`, in the call's current
 * language; `{{...}}` in a text is rendered when the step runs. The timeline gets the same text rendered against
 * the redacted scope, so a read-back of the caller's NIR is logged masked. A text that renders empty (an unset
 * ops announcement) is skipped.
 */
import type { ConversationLanguage } from '../../config/config-types.js';
import type { LoadedFlow } from '../flow/flow-types.js';
import type { ResolvedPrompt } from './call-port.js';
import { FlowStepError } from './flow-step-error.js';
import { hasTemplate, renderTemplate, type TemplateScope } from './flow-templates.js';
import type { FlowTimelineRecorder } from './flow-timeline-recorder.js';
import { redactScope } from './timeline-redaction.js';

/** A prompts input: a list of ids (a single id is accepted); anything else is a bad input. */
export function promptIds(value: unknown, field = 'prompts'): string[] {
  if (value === undefined || value === null) {
    return [];
  }
  const list = Array.isArray(value) ? (value as unknown[]) : [value];
  return list.map((id) => {
    if (typeof id !== 'string' || id === '') {
      throw new FlowStepError('AIG_ERR_FLOW_INPUT', 'bad-input', `"${field}" must list prompt ids`);
    }
    return id;
  });
}

/**
 * The prompts to say, in order, each also appended to the timeline (`bargeIn` as the step will say them).
 * Throws `AIG_ERR_FLOW_PROMPT` (`prompt-missing`) for an id without text in `language`.
 */
export function resolvePrompts(
  flow: LoadedFlow,
  language: ConversationLanguage,
  ids: readonly string[],
  scope: TemplateScope,
  recorder: FlowTimelineRecorder,
  bargeIn: boolean,
): ResolvedPrompt[] {
  const texts = flow.prompts[language] ?? {};
  const resolved: ResolvedPrompt[] = [];
  let redacted: TemplateScope | null = null;
  for (const id of ids) {
    const template = Object.hasOwn(texts, id) ? texts[id] : undefined;
    if (template === undefined) {
      throw new FlowStepError('AIG_ERR_FLOW_PROMPT', 'prompt-missing', `prompt "${id}" (${language})`);
    }
    const isStatic = !hasTemplate(template);
    const text = isStatic ? template : renderTemplate(template, scope).trim();
    if (text === '') {
      continue;
    }
    let logged = text;
    if (!isStatic) {
      redacted ??= redactScope(scope, recorder.policy);
      logged = renderTemplate(template, redacted).trim();
    }
    recorder.prompt(id, logged, bargeIn);
    resolved.push({ id, text, static: isStatic });
  }
  return resolved;
}
