/**
 * The `lookup` step: one HTTP JSON request for self-service and status checks (a certificate sent by post, a
 * claim's status), with a timeout per attempt and retries for what may pass (network errors, timeouts, 5xx, 429).
 * A 4xx other than 429 is final. The response body, parsed, is the step's output (`storeLookup` keeps it in
 * `context.lookup`); a failure is the step's error with `errorKind` `timeout`, `http`, `network`, `bad-response`
 * or `bad-input` (no URL configured), for the flow's `onError` — typically an agent.
 */
import { choiceArg, numberArg, stringArg } from './flow-step-args.js';
import { FlowStepError } from './flow-step-error.js';
import type { FlowStepEnvironment, FlowStepInput } from './flow-step-types.js';

const METHODS = ['GET', 'POST', 'PUT'] as const;
/** Pause before a retry, ms: long enough for a restarting service, short for a caller on hold. */
const RETRY_PAUSE_MS = 100;

class RetryableLookupError extends FlowStepError {}

export async function runLookupStep(
  env: FlowStepEnvironment,
  input: FlowStepInput,
  signal?: AbortSignal,
): Promise<unknown> {
  const { args } = input;
  const url = stringArg(args, 'url');
  if (url === null || !/^https?:\/\//i.test(url)) {
    throw new FlowStepError(
      'AIG_ERR_FLOW_INPUT',
      'bad-input',
      `"url" must be an http(s) URL, got ${JSON.stringify(url)}`,
    );
  }
  const body = args.body ?? null;
  const method = choiceArg(args, 'method', METHODS, body === null ? 'GET' : 'POST');
  const timeoutMs = numberArg(args, 'timeoutMs', 2000, 1);
  const retries = Math.floor(numberArg(args, 'retries', 1, 0));
  let lastError: FlowStepError | null = null;
  for (let attempt = 0; attempt <= retries; attempt++) {
    if (attempt > 0) {
      await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS));
    }
    if (signal?.aborted === true) {
      break;
    }
    try {
      return await requestOnce(env.fetch, url, method, body, timeoutMs, signal);
    } catch (err) {
      if (!(err instanceof FlowStepError)) {
        throw err;
      }
      lastError = err;
      if (!(err instanceof RetryableLookupError)) {
        break;
      }
    }
  }
  throw lastError ?? new FlowStepError('AIG_ERR_FLOW_LOOKUP', 'network', `${method} ${url}: aborted`);
}

async function requestOnce(
  fetchImpl: typeof fetch,
  url: string,
  method: string,
  body: unknown,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<unknown> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const combined = signal === undefined ? timeout : AbortSignal.any([timeout, signal]);
  let response: Response;
  let text: string;
  try {
    response = await fetchImpl(url, {
      method,
      headers:
        body === null
          ? { accept: 'application/json' }
          : { accept: 'application/json', 'content-type': 'application/json' },
      body: body === null ? undefined : JSON.stringify(body),
      signal: combined,
    });
    text = await response.text();
  } catch (err) {
    if (timeout.aborted) {
      throw new RetryableLookupError(
        'AIG_ERR_FLOW_LOOKUP',
        'timeout',
        `${method} ${url}: no answer in ${timeoutMs} ms`,
      );
    }
    throw new RetryableLookupError(
      'AIG_ERR_FLOW_LOOKUP',
      'network',
      `${method} ${url}: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  if (!response.ok) {
    const detail = `${method} ${url}: HTTP ${response.status}`;
    if (response.status >= 500 || response.status === 429) {
      throw new RetryableLookupError('AIG_ERR_FLOW_LOOKUP', 'http', detail);
    }
    throw new FlowStepError('AIG_ERR_FLOW_LOOKUP', 'http', detail);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new FlowStepError(
      'AIG_ERR_FLOW_LOOKUP',
      'bad-response',
      `${method} ${url}: the answer is not JSON`,
    );
  }
}
