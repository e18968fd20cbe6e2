/**
 * A call without a phone: the `CallPort` of the designer's simulator and of the flow tests. The caller's turns
 * are typed (`simulated-turns.ts`); what the IVR does (prompts, transfer, hangup) is reported as events. The
 * runtime cannot tell it from a live call, so a flow decides here exactly as it would on the line.
 *
 * When the turns run out, the caller stays silent: every further listen is a no-input, and the flow must still
 * end (its own no-input handling, or the runtime's `maxTurns`).
 */
import type { ConversationLanguage } from '../../config/config-types.js';
import type {
  CallPort,
  CollectDigitsOutcome,
  CollectDigitsRequest,
  ListenOutcome,
  ListenRequest,
  ResolvedPrompt,
  SayOutcome,
  SayRequest,
  TransferContextData,
  TransferOutcome,
  TransferRequest,
} from '../runtime/call-port.js';
import type { SimulatedTurn } from './simulated-turns.js';

/** What the simulated call is waiting for (the interactive simulator shows it in its prompt). */
export type SimulatedExpectation = 'listen' | 'digits';

export interface SimulatedTurnSource {
  /** The caller's next turn; null when there are no more (silence from then on). */
  next(expecting: SimulatedExpectation): Promise<SimulatedTurn | null>;
}

/** Turns from a list (a script, a test). */
export function scriptedTurns(
  turns: readonly SimulatedTurn[],
): SimulatedTurnSource & { readonly remaining: number } {
  let index = 0;
  return {
    next: () => Promise.resolve(index < turns.length ? turns[index++]! : null),
    get remaining() {
      return turns.length - index;
    },
  };
}

export type SimulatedCallEvent =
  | { readonly event: 'prompt'; readonly id: string; readonly text: string; readonly bargeIn: boolean }
  | {
      readonly event: 'transfer';
      readonly target: string;
      readonly uri: string;
      readonly context: TransferContextData;
    }
  | { readonly event: 'hangup'; readonly by: 'ivr' | 'caller' };

export interface SimulatedCallPortOptions {
  readonly turns: SimulatedTurnSource;
  /** @default 'simulated-call' */
  readonly callId?: string;
  /** Dialled number. @default '3646' */
  readonly number?: string;
  /** The caller's number; null = withheld. @default null */
  readonly callerNumber?: string | null;
  /** Whether recognizers serve the call; false: speech turns become recognizer errors (`unavailable`). @default true */
  readonly recognizerAvailable?: boolean | ((language: ConversationLanguage) => boolean);
  /** Confidence of typed speech. @default 0.9 */
  readonly speechConfidence?: number;
  /** Told about each prompt, transfer and hangup. */
  readonly onEvent?: (event: SimulatedCallEvent) => void;
  /** Decides the transfers (tests of failed transfers). @default every transfer succeeds */
  readonly transfer?: (request: TransferRequest) => TransferOutcome | Promise<TransferOutcome>;
}

export class SimulatedCallPort implements CallPort {
  readonly callId: string;
  readonly number: string;
  readonly callerNumber: string | null;
  readonly hungUp: Promise<void>;
  /** Every request the flow made, in order (tests). */
  readonly requests: (
    | { readonly kind: 'say'; readonly request: SayRequest }
    | { readonly kind: 'listen'; readonly request: ListenRequest }
    | { readonly kind: 'collectDigits'; readonly request: CollectDigitsRequest }
    | { readonly kind: 'transfer'; readonly request: TransferRequest }
    | { readonly kind: 'hangup' }
  )[] = [];
  private callerHangsUp: () => void = () => undefined;
  private ended = false;

  constructor(private readonly options: SimulatedCallPortOptions) {
    this.callId = options.callId ?? 'simulated-call';
    this.number = options.number ?? '3646';
    this.callerNumber = options.callerNumber ?? null;
    this.hungUp = new Promise((resolve) => {
      this.callerHangsUp = resolve;
    });
  }

  recognizerAvailable(language: ConversationLanguage): boolean {
    const available = this.options.recognizerAvailable ?? true;
    return typeof available === 'function' ? available(language) : available;
  }

  say(request: SayRequest): Promise<SayOutcome> {
    this.requests.push({ kind: 'say', request });
    this.announce(request.prompts, request.bargeIn);
    return Promise.resolve({ status: 'finished' });
  }

  async listen(request: ListenRequest): Promise<ListenOutcome> {
    this.requests.push({ kind: 'listen', request });
    this.announce(request.prompts, request.bargeIn);
    const turn = await this.nextTurn('listen');
    switch (turn?.kind) {
      case 'speech':
        return this.recognizerAvailable(request.language)
          ? {
              kind: 'speech',
              transcript: turn.text,
              confidence: this.options.speechConfidence ?? 0.9,
              provider: 'text',
              latencyMs: 0,
            }
          : { kind: 'error', errorKind: 'unavailable', message: 'no recognizer (simulated)' };
      case 'keys':
        return { kind: 'dtmf', digit: turn.keys[0]! };
      case 'no-match':
        return { kind: 'no-match' };
      case 'error':
        return { kind: 'error', errorKind: turn.errorKind, message: 'recognizer error (simulated)' };
      default:
        return { kind: 'no-input' };
    }
  }

  async collectDigits(request: CollectDigitsRequest): Promise<CollectDigitsOutcome> {
    this.requests.push({ kind: 'collectDigits', request });
    this.announce(request.prompts, true);
    const turn = await this.nextTurn('digits');
    if (turn?.kind === 'keys') {
      const keys = request.terminator === null ? turn.keys : turn.keys.split(request.terminator)[0]!;
      return { kind: 'keys', digits: keys.slice(0, request.max) };
    }
    if (turn?.kind === 'speech' && request.spoken && this.recognizerAvailable(request.language)) {
      return { kind: 'speech', transcript: turn.text };
    }
    return { kind: 'no-input' };
  }

  transfer(request: TransferRequest): Promise<TransferOutcome> {
    this.requests.push({ kind: 'transfer', request });
    this.options.onEvent?.({
      event: 'transfer',
      target: request.target,
      uri: request.uris[0] ?? '',
      context: request.context,
    });
    return Promise.resolve(
      this.options.transfer?.(request) ?? {
        status: 'transferred',
        method: request.mode,
        uri: request.uris[0] ?? '',
      },
    );
  }

  hangup(): Promise<void> {
    this.requests.push({ kind: 'hangup' });
    this.options.onEvent?.({ event: 'hangup', by: 'ivr' });
    this.ended = true;
    return Promise.resolve();
  }

  /** The next turn; a `!hangup` turn hangs up and answers silence (the runtime has stopped the flow by then). */
  private async nextTurn(expecting: SimulatedExpectation): Promise<SimulatedTurn | null> {
    if (this.ended) {
      return null;
    }
    const turn = await this.options.turns.next(expecting);
    if (turn?.kind === 'hangup') {
      this.ended = true;
      this.options.onEvent?.({ event: 'hangup', by: 'caller' });
      this.callerHangsUp();
      await new Promise((resolve) => setImmediate(resolve));
      return null;
    }
    return turn;
  }

  private announce(prompts: readonly ResolvedPrompt[], bargeIn: boolean): void {
    for (const prompt of prompts) {
      this.options.onEvent?.({ event: 'prompt', id: prompt.id, text: prompt.text, bargeIn });
    }
  }
}
