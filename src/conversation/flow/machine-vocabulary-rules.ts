/**
 * What the machine names: every actor (`invoke.src`), action, guard and delay must be one the runtime implements
 * (`runtime/flow-vocabulary.ts`, the single list), with its required input or params and nothing it does not know.
 * A few values are checked where a typo would only show in a live call: result kinds, confirmation answers,
 * confidence levels, counters, the language of `setLanguage`, transfer targets (literal group ids must exist in
 * the server's `groups`), and the paths of `{{templates}}`.
 *
 * Also gathers what the language rules check against the phrase and prompt files: the prompt ids the machine
 * plays and the intents its guards test.
 */
import type { AgentGroupConfig } from '../../config/config-types.js';
import { FLOW_ACTIONS, FLOW_ACTORS, FLOW_GUARDS, type ActorSpec } from '../runtime/flow-vocabulary.js';
import type { FlowSettings } from './flow-types.js';
import type { JsonPath } from './json-source-map.js';
import {
  isPlainObject,
  statePathOf,
  type MachineModel,
  type MachineShapeReporter,
  type MachineStateNode,
} from './machine-model.js';
import { isTemplated, templateProblems } from './template-paths.js';

export interface VocabularyContext {
  /** null when flow.json is unusable: checks that need it are skipped. */
  readonly settings: FlowSettings | null;
  readonly groups: Readonly<Record<string, AgentGroupConfig>> | ReadonlySet<string>;
}

export interface NameRef {
  readonly name: string;
  readonly jsonPath: JsonPath;
  readonly statePath: string;
}

export interface VocabularyFindings {
  /** Literal prompt ids the machine plays. */
  readonly prompts: readonly NameRef[];
  /** Literal intents tested by `intentIs` / `intentIn`. */
  readonly intents: readonly NameRef[];
  /** Variables templates may read (declared, or set by `setVar`); null when flow.json is unusable. */
  readonly variables: ReadonlySet<string> | null;
}

type ParamSpec = { readonly required: readonly string[]; readonly optional: readonly string[] };

/** Every `kind` a step's output can have (listen, collectDigits). */
const RESULT_KINDS = ['speech', 'dtmf', 'no-input', 'no-match', 'error', 'digits', 'invalid'];
const ANSWERS = ['yes', 'no', 'none'];
const LEVELS = ['high', 'medium'];
const GRAMMARS = ['intents', 'yesno', 'digits', 'none'];
const ENTITIES = ['nir', 'digits'];
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

function has<T extends object>(table: T, name: unknown): name is keyof T {
  return typeof name === 'string' && Object.hasOwn(table, name);
}

function list(names: object): string {
  return Object.keys(names).join(', ');
}

export function checkMachineVocabulary(
  model: MachineModel,
  context: VocabularyContext,
  report: MachineShapeReporter,
): VocabularyFindings {
  const checker = new VocabularyChecker(model, context, report);
  return checker.run();
}

class VocabularyChecker {
  private readonly prompts: NameRef[] = [];
  private readonly intents: NameRef[] = [];
  private readonly templated: { text: string; jsonPath: JsonPath; statePath: string }[] = [];
  private readonly setVars = new Set<string>();
  private readonly groups: ReadonlySet<string>;

  constructor(
    private readonly model: MachineModel,
    private readonly context: VocabularyContext,
    private readonly report: MachineShapeReporter,
  ) {
    this.groups = context.groups instanceof Set ? context.groups : new Set(Object.keys(context.groups));
  }

  run(): VocabularyFindings {
    for (const invoke of this.model.invokes) {
      this.checkInvoke(invoke.state, invoke.src, invoke.input, invoke.jsonPath);
    }
    for (const action of this.model.actions) {
      this.checkAction(action.value, action.jsonPath, this.statePath(action.state));
    }
    for (const transition of this.model.transitions) {
      const statePath = this.statePath(transition.source);
      if (transition.guard !== undefined) {
        this.checkGuard(transition.guard, [...transition.jsonPath, 'guard'], statePath, 0);
      }
      if (transition.trigger.kind === 'after') {
        this.checkDelay(transition.trigger.delay, transition.source);
      }
    }
    const declared =
      this.context.settings === null ? null : new Set(Object.keys(this.context.settings.variables));
    const variables = declared === null ? null : new Set([...declared, ...this.setVars]);
    for (const { text, jsonPath, statePath } of this.templated) {
      for (const problem of templateProblems(text, variables)) {
        this.report(jsonPath, statePath, problem);
      }
    }
    return { prompts: this.prompts, intents: this.intents, variables };
  }

  private statePath(node: MachineStateNode): string {
    return statePathOf(this.model.machineId, node);
  }

  private checkDelay(delay: string, node: MachineStateNode): void {
    if (/^\d+$/.test(delay)) {
      return;
    }
    const delays = this.context.settings?.delays;
    if (delays !== undefined && !Object.hasOwn(delays, delay)) {
      const known = Object.keys(delays);
      this.report(
        [...node.jsonPath, 'after', delay],
        this.statePath(node),
        `unknown delay "${delay}": use milliseconds or a name from flow.json "delays"` +
          (known.length > 0 ? ` (${known.join(', ')})` : ''),
        'key',
      );
    }
  }

  private checkInvoke(node: MachineStateNode, src: unknown, input: unknown, jsonPath: JsonPath): void {
    const statePath = this.statePath(node);
    if (!has(FLOW_ACTORS, src)) {
      this.report(
        src === undefined ? jsonPath : [...jsonPath, 'src'],
        statePath,
        src === undefined
          ? `invoke needs "src" (one of ${list(FLOW_ACTORS)})`
          : `unknown actor ${JSON.stringify(src)} (known: ${list(FLOW_ACTORS)})`,
      );
      return;
    }
    const spec: ActorSpec = FLOW_ACTORS[src];
    const inputPath = [...jsonPath, 'input'];
    if (input !== undefined && !isPlainObject(input)) {
      this.report(inputPath, statePath, `${src}: "input" must be an object`);
      return;
    }
    const fields = input ?? {};
    this.checkFields(
      `actor ${src}`,
      'input',
      fields,
      spec.requiredInput,
      spec.optionalInput,
      inputPath,
      statePath,
    );
    this.collectTemplates(fields, inputPath, statePath);
    for (const field of spec.promptFields) {
      if (field in fields) {
        this.collectPrompts(src, fields[field], [...inputPath, field], statePath);
      }
    }
    if (spec.impliedPrompts.length > 0) {
      this.collectPrompts(src, [...spec.impliedPrompts], inputPath, statePath);
    }
    const bad = (field: string, message: string): void =>
      this.report([...inputPath, field], statePath, `${src}: ${message}`);
    const literal = (value: unknown): boolean => !(typeof value === 'string' && isTemplated(value));
    switch (src) {
      case 'transfer': {
        const target = fields.target;
        if (typeof target !== 'string') {
          if (target !== undefined) {
            bad('target', '"target" must be a group id or a skill (a string)');
          }
        } else if (literal(target) && !this.groups.has(target)) {
          bad(
            'target',
            `target "${target}" is neither a group nor a skill of the routing config (known: ${[...this.groups].join(', ') || 'none'})`,
          );
        }
        break;
      }
      case 'route':
      case 'offerCallback': {
        const field = src === 'route' ? 'skill' : 'group';
        const value = fields[field];
        if (
          value !== undefined &&
          (typeof value !== 'string' || (literal(value) && !this.groups.has(value)))
        ) {
          bad(
            field,
            `"${field}" must be a group or a skill of the routing config (known: ${[...this.groups].join(', ') || 'none'})`,
          );
        }
        if (src === 'route' && fields.level !== undefined && fields.level !== 1 && fields.level !== 2) {
          bad('level', '"level" must be 1 or 2');
        }
        break;
      }
      case 'collectDigits': {
        const { min, max } = fields;
        for (const [name, value] of [
          ['min', min],
          ['max', max],
        ] as const) {
          if (value !== undefined && literal(value) && !(Number.isInteger(value) && (value as number) >= 1)) {
            bad(name, `"${name}" must be a whole number of digits (1 or more)`);
          }
        }
        if (typeof min === 'number' && typeof max === 'number' && min > max) {
          bad('min', '"min" must not be above "max"');
        }
        this.checkEnum(fields, 'entity', ENTITIES, src, inputPath, statePath);
        break;
      }
      case 'listen':
        this.checkEnum(fields, 'grammar', GRAMMARS, src, inputPath, statePath);
        break;
      case 'lookup':
        this.checkEnum(fields, 'method', METHODS, src, inputPath, statePath);
        break;
      default:
        break;
    }
  }

  private checkEnum(
    fields: Record<string, unknown>,
    field: string,
    allowed: readonly string[],
    owner: string,
    jsonPath: JsonPath,
    statePath: string,
  ): void {
    const value = fields[field];
    if (
      value !== undefined &&
      !(typeof value === 'string' && (allowed.includes(value) || isTemplated(value)))
    ) {
      this.report(
        [...jsonPath, field],
        statePath,
        `${owner}: "${field}" is ${JSON.stringify(value)}; expected ${allowed.join(', ')}`,
      );
    }
  }

  /** Required and unknown fields of an input or params object. */
  private checkFields(
    owner: string,
    what: 'input' | 'params',
    fields: Record<string, unknown>,
    required: readonly string[],
    optional: readonly string[],
    jsonPath: JsonPath,
    statePath: string,
  ): void {
    for (const name of required) {
      if (fields[name] === undefined) {
        this.report(jsonPath, statePath, `${owner} needs ${what}.${name}`);
      }
    }
    for (const name of Object.keys(fields)) {
      if (!required.includes(name) && !optional.includes(name)) {
        const known = [...required, ...optional];
        this.report(
          [...jsonPath, name],
          statePath,
          `${owner} has no ${what === 'input' ? 'input field' : 'param'} "${name}"` +
            (known.length > 0 ? ` (it takes: ${known.join(', ')})` : ' (it takes none)'),
          'key',
        );
      }
    }
  }

  private collectPrompts(src: string, value: unknown, jsonPath: JsonPath, statePath: string): void {
    if (typeof value === 'string' && isTemplated(value)) {
      return;
    }
    if (!Array.isArray(value)) {
      this.report(jsonPath, statePath, `${src}: "prompts" must be a list of prompt ids`);
      return;
    }
    value.forEach((id: unknown, index) => {
      if (typeof id !== 'string' || id === '') {
        this.report([...jsonPath, index], statePath, `${src}: a prompt id must be a non-empty string`);
      } else if (!isTemplated(id)) {
        this.prompts.push({ name: id, jsonPath: [...jsonPath, index], statePath });
      }
    });
  }

  private collectTemplates(value: unknown, jsonPath: JsonPath, statePath: string): void {
    if (typeof value === 'string') {
      if (value.includes('{{')) {
        this.templated.push({ text: value, jsonPath, statePath });
      }
    } else if (Array.isArray(value)) {
      value.forEach((item: unknown, index) => this.collectTemplates(item, [...jsonPath, index], statePath));
    } else if (isPlainObject(value)) {
      for (const [key, item] of Object.entries(value)) {
        this.collectTemplates(item, [...jsonPath, key], statePath);
      }
    }
  }

  /** `name` or `{ type, params }`: the name and params, or null when the shape is wrong (reported). */
  private reference(
    what: 'action' | 'guard',
    value: unknown,
    jsonPath: JsonPath,
    statePath: string,
  ): { name: unknown; params: Record<string, unknown>; paramsPath: JsonPath } | null {
    if (typeof value === 'string') {
      return { name: value, params: {}, paramsPath: jsonPath };
    }
    if (!isPlainObject(value)) {
      this.report(jsonPath, statePath, `an ${what} must be a name or { "type": name, "params": {...} }`);
      return null;
    }
    for (const key of Object.keys(value)) {
      if (key !== 'type' && key !== 'params') {
        this.report([...jsonPath, key], statePath, `unknown ${what} property "${key}" (type, params)`, 'key');
      }
    }
    const paramsPath = [...jsonPath, 'params'];
    if (value.params !== undefined && !isPlainObject(value.params)) {
      this.report(paramsPath, statePath, `${what} "params" must be an object`);
      return null;
    }
    return { name: value.type, params: value.params ?? {}, paramsPath };
  }

  private checkAction(value: unknown, jsonPath: JsonPath, statePath: string): void {
    const ref = this.reference('action', value, jsonPath, statePath);
    if (ref === null) {
      return;
    }
    const { name, params, paramsPath } = ref;
    if (!has(FLOW_ACTIONS, name)) {
      this.report(
        typeof value === 'string' ? jsonPath : [...jsonPath, 'type'],
        statePath,
        `unknown action ${JSON.stringify(name)} (known: ${list(FLOW_ACTIONS)})`,
      );
      return;
    }
    const spec: ParamSpec = FLOW_ACTIONS[name];
    this.checkFields(`action ${name}`, 'params', params, spec.required, spec.optional, paramsPath, statePath);
    this.collectTemplates(params, paramsPath, statePath);
    const bad = (field: string, message: string): void =>
      this.report([...paramsPath, field], statePath, `action ${name}: ${message}`);
    switch (name) {
      case 'setLanguage': {
        const languages = this.context.settings?.languages;
        const language = params.language;
        if (
          languages !== undefined &&
          language !== undefined &&
          !(
            typeof language === 'string' &&
            (isTemplated(language) || (languages as readonly string[]).includes(language))
          )
        ) {
          bad(
            'language',
            `language ${JSON.stringify(language)} is not in flow.json "languages" (${languages.join(', ')})`,
          );
        }
        break;
      }
      case 'setVar':
        if (typeof params.name === 'string' && !isTemplated(params.name)) {
          this.setVars.add(params.name);
        } else if (params.name !== undefined) {
          bad('name', '"name" must be a variable name');
        }
        break;
      case 'increment':
      case 'resetCounter':
        if (params.name !== undefined && typeof params.name !== 'string') {
          bad('name', '"name" must be a counter name');
        }
        break;
      default:
        break;
    }
  }

  private checkGuard(value: unknown, jsonPath: JsonPath, statePath: string, depth: number): void {
    const ref = this.reference('guard', value, jsonPath, statePath);
    if (ref === null) {
      return;
    }
    const { name, params, paramsPath } = ref;
    if (!has(FLOW_GUARDS, name)) {
      this.report(
        typeof value === 'string' ? jsonPath : [...jsonPath, 'type'],
        statePath,
        `unknown guard ${JSON.stringify(name)} (known: ${list(FLOW_GUARDS)})`,
      );
      return;
    }
    const spec: ParamSpec = FLOW_GUARDS[name];
    this.checkFields(`guard ${name}`, 'params', params, spec.required, spec.optional, paramsPath, statePath);
    const nested = (child: unknown, childPath: JsonPath): void => {
      if (depth > 16) {
        this.report(childPath, statePath, 'guards nested too deep');
      } else {
        this.checkGuard(child, childPath, statePath, depth + 1);
      }
    };
    const bad = (field: string, message: string): void =>
      this.report([...paramsPath, field], statePath, `guard ${name}: ${message}`);
    switch (name) {
      case 'all':
      case 'any':
        if (params.guards !== undefined && (!Array.isArray(params.guards) || params.guards.length === 0)) {
          bad('guards', '"guards" must be a non-empty list of guards');
        } else if (Array.isArray(params.guards)) {
          params.guards.forEach((child: unknown, index) => nested(child, [...paramsPath, 'guards', index]));
        }
        return;
      case 'not':
        if (params.guard !== undefined) {
          nested(params.guard, [...paramsPath, 'guard']);
        }
        return;
      default:
        break;
    }
    this.collectTemplates(params, paramsPath, statePath);
    const oneOrList = (field: string, allowed: readonly string[]): void => {
      const raw = params[field];
      const values: unknown[] = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
      for (const item of values) {
        if (!(typeof item === 'string' && (allowed.includes(item) || isTemplated(item)))) {
          bad(field, `${JSON.stringify(item)} is not one of ${allowed.join(', ')}`);
        }
      }
    };
    switch (name) {
      case 'resultIs':
        oneOrList('kind', RESULT_KINDS);
        break;
      case 'answerIs':
        oneOrList('answer', ANSWERS);
        break;
      case 'confidence':
        if (params.atLeast === undefined && params.below === undefined) {
          this.report(jsonPath, statePath, 'guard confidence needs params.atLeast or params.below');
        }
        for (const field of ['atLeast', 'below']) {
          const level = params[field];
          if (
            level !== undefined &&
            !(typeof level === 'string' && LEVELS.includes(level)) &&
            !(typeof level === 'number' && level >= 0 && level <= 1)
          ) {
            bad(field, `${JSON.stringify(level)} must be high, medium or a number from 0 to 1`);
          }
        }
        break;
      case 'counterBelow':
        if (params.max !== undefined && !(Number.isInteger(params.max) && (params.max as number) >= 1)) {
          bad('max', '"max" must be a whole number, 1 or more');
        }
        if (params.name !== undefined && typeof params.name !== 'string') {
          bad('name', '"name" must be a counter name');
        }
        break;
      case 'intentIs':
        if (typeof params.intent === 'string') {
          if (!isTemplated(params.intent)) {
            this.intents.push({ name: params.intent, jsonPath: [...paramsPath, 'intent'], statePath });
          }
        } else if (params.intent !== undefined) {
          bad('intent', '"intent" must be an intent id');
        }
        break;
      case 'intentIn':
        if (!Array.isArray(params.intents) || params.intents.length === 0) {
          if (params.intents !== undefined) {
            bad('intents', '"intents" must be a non-empty list of intent ids');
          }
        } else {
          params.intents.forEach((intent: unknown, index) => {
            if (typeof intent !== 'string') {
              this.report(
                [...paramsPath, 'intents', index],
                statePath,
                `guard intentIn: an intent id must be a string`,
              );
            } else if (!isTemplated(intent)) {
              this.intents.push({ name: intent, jsonPath: [...paramsPath, 'intents', index], statePath });
            }
          });
        }
        break;
      default:
        break;
    }
  }
}
