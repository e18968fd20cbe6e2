/**
 * Reading a step's input once its templates are resolved. The validator checks literal inputs at load; templated
 * ones (`"{{vars.lookupTimeoutMs}}"`) can only be checked here, so a wrong value is a step failure
 * (`AIG_ERR_FLOW_INPUT`, error kind `bad-input`) the flow's `onError` handles, never a crash.
 */
import { FlowStepError } from './flow-step-error.js';

type Args = Readonly<Record<string, unknown>>;

function badInput(name: string, expected: string, value: unknown): FlowStepError {
  return new FlowStepError(
    'AIG_ERR_FLOW_INPUT',
    'bad-input',
    `"${name}" must be ${expected}, got ${JSON.stringify(value) ?? String(value)}`,
  );
}

export function numberArg(args: Args, name: string, fallback: number, min = 0): number {
  const value = args[name];
  if (value === undefined || value === null) {
    return fallback;
  }
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isFinite(number) || number < min) {
    throw badInput(name, `a number ≥ ${min}`, value);
  }
  return number;
}

export function requiredNumberArg(args: Args, name: string, min = 0): number {
  if (args[name] === undefined || args[name] === null) {
    throw badInput(name, 'given', args[name]);
  }
  return numberArg(args, name, 0, min);
}

export function booleanArg(args: Args, name: string, fallback: boolean): boolean {
  const value = args[name];
  if (value === undefined || value === null) {
    return fallback;
  }
  if (typeof value !== 'boolean') {
    throw badInput(name, 'true or false', value);
  }
  return value;
}

export function stringArg(args: Args, name: string): string | null {
  const value = args[name];
  if (value === undefined || value === null) {
    return null;
  }
  if (typeof value !== 'string') {
    throw badInput(name, 'a string', value);
  }
  return value;
}

export function requiredStringArg(args: Args, name: string): string {
  const value = stringArg(args, name);
  if (value === null || value === '') {
    throw badInput(name, 'a non-empty string', args[name]);
  }
  return value;
}

export function choiceArg<T extends string>(args: Args, name: string, choices: readonly T[], fallback: T): T {
  const value = args[name];
  if (value === undefined || value === null) {
    return fallback;
  }
  const choice = choices.find((candidate) => candidate === value);
  if (choice === undefined) {
    throw badInput(name, `one of ${choices.join(', ')}`, value);
  }
  return choice;
}

export function stringListArg(args: Args, name: string): string[] {
  const value = args[name];
  if (value === undefined || value === null) {
    return [];
  }
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw badInput(name, 'a list of strings', value);
  }
  return value;
}
