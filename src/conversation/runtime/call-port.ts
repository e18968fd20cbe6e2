/**
 * What a running flow can do to its call, and nothing more. The runtime's actors (`say`, `listen`,
 * `collectDigits`, `confirm`, `transfer`, `hangup`) are written against this port, so the same flow runs on a live
 * call (media session + recognizers + SIP, `live-call-port.ts`) and in the designer's simulator (typed turns,
 * `simulated-call-port.ts`) with identical decisions.
 *
 * Classification and entities are not here: they are pure (`src/understanding`) and the runtime calls them itself.
 */
import type { ConversationLanguage } from '../../config/config-types.js';
import type { TransferContext } from '../../routing/routing-types.js';

/** A prompt resolved by the runtime: id (for logs, caches, the simulator) and the text to speak. */
export interface ResolvedPrompt {
  readonly id: string;
  readonly text: string;
  /** True when the text had no variables (a cache may keep its audio for ever). */
  readonly static: boolean;
}

export interface SayRequest {
  readonly prompts: readonly ResolvedPrompt[];
  readonly language: ConversationLanguage;
  /** The caller's voice or a key may cut the prompts. */
  readonly bargeIn: boolean;
}

export interface SayOutcome {
  readonly status: 'finished' | 'interrupted';
}

/** What the caller is expected to say, so recognizers can constrain or boost. */
export type ListenGrammar = 'intents' | 'yesno' | 'digits' | 'none';

export interface ListenRequest {
  /** Played first; with `bargeIn` the caller may answer over them. May be empty. */
  readonly prompts: readonly ResolvedPrompt[];
  readonly language: ConversationLanguage;
  readonly bargeIn: boolean;
  readonly grammar: ListenGrammar;
  /** Phrases to boost (flow hints + state hints). */
  readonly hints: readonly string[];
  /** Closed phrase list for recognizers that need one (pocketsphinx), from the flow's phrases; null = open. */
  readonly phrases: readonly string[] | null;
  readonly noInputMs: number;
  readonly maxUtteranceMs: number;
  /** Keys end the turn at once (one key). */
  readonly acceptDtmf: boolean;
}

export type ListenOutcome =
  | {
      readonly kind: 'speech';
      readonly transcript: string;
      readonly confidence: number;
      /** Recognizer that answered (`text` in the simulator). */
      readonly provider: string;
      /** End of speech → final result, ms (null when unknown). */
      readonly latencyMs: number | null;
    }
  | { readonly kind: 'dtmf'; readonly digit: string }
  | { readonly kind: 'no-input' }
  | { readonly kind: 'no-match' }
  | {
      readonly kind: 'error';
      /** `unavailable`, `quota`, `timeout`, `auth`, `bad-request`, `internal`. */
      readonly errorKind: string;
      readonly message: string;
    };

export interface CollectDigitsRequest {
  readonly prompts: readonly ResolvedPrompt[];
  readonly language: ConversationLanguage;
  readonly min: number;
  readonly max: number;
  /** Key that ends the entry early. null = none. */
  readonly terminator: string | null;
  /** Silence between keys that ends the entry, ms. */
  readonly interDigitMs: number;
  /** Time for the first key, ms. */
  readonly firstDigitMs: number;
  /** Also accept the digits spoken (the transcript is parsed by the runtime). */
  readonly spoken: boolean;
}

export type CollectDigitsOutcome =
  | { readonly kind: 'keys'; readonly digits: string }
  | { readonly kind: 'speech'; readonly transcript: string }
  | { readonly kind: 'no-input' };

/** What the agent receives with the call (headers on a live call), as routing defines it. */
export type TransferContextData = TransferContext;

export interface TransferRequest {
  /** Agent group id. */
  readonly target: string;
  /** The group's SIP URIs, tried in order. */
  readonly uris: readonly string[];
  /** `refer`: blind transfer (RFC 3515); `bridge`: B2BUA. */
  readonly mode: 'refer' | 'bridge';
  /** A failed REFER is retried as a bridge. */
  readonly fallbackToBridge: boolean;
  readonly timeoutMs: number;
  readonly context: TransferContextData;
}

export type TransferOutcome =
  | { readonly status: 'transferred'; readonly method: 'refer' | 'bridge'; readonly uri: string }
  | { readonly status: 'failed'; readonly reason: string; readonly sipStatus: number | null };

export interface CallPort {
  readonly callId: string;
  /** Dialled number. */
  readonly number: string;
  /** The caller's number (personal data: for a callback offer only, never logged); null = withheld. */
  readonly callerNumber: string | null;
  /** Whether a recognizer can serve this language now (false → the flow should offer the keypad). */
  recognizerAvailable(language: ConversationLanguage): boolean;
  say(request: SayRequest): Promise<SayOutcome>;
  listen(request: ListenRequest): Promise<ListenOutcome>;
  collectDigits(request: CollectDigitsRequest): Promise<CollectDigitsOutcome>;
  transfer(request: TransferRequest): Promise<TransferOutcome>;
  hangup(): Promise<void>;
  /** Resolves when the caller hangs up (the runtime then stops the actor). */
  readonly hungUp: Promise<void>;
}
