/**
 * The `CallPort` of a real call: prompts are spoken into the call's media session (text through the cached TTS, so
 * a flow's prompts cost one synthesis per process), listening combines the media endpointer, the recognizer chain of
 * the call's language and the keypad (`listen-turn.ts`), transfers and hang-ups go to the SIP side through the
 * call's `CallControl`.
 *
 * The port never throws to the runtime for caller behaviour (silence, noise, keys): those are outcomes. It rejects
 * only when the call is gone.
 */
import type { ConversationLanguage } from '../../config/config-types.js';
import type { CallMediaSession } from '../../media/media-session-types.js';
import type { PlaybackItem } from '../../media/playback/prompt-player-types.js';
import type { CallControl } from '../../sip/call/sip-app-types.js';
import type { ChainSession } from '../../speech/recognition/recognizer-chain.js';
import { DEFAULT_RECOGNITION_TURN_OPTIONS } from '../../speech/recognition/recognizer-types.js';
import { listen, type ListenResult } from '../listen-turn.js';
import type {
  CallPort,
  CollectDigitsOutcome,
  CollectDigitsRequest,
  ListenOutcome,
  ListenRequest,
  ResolvedPrompt,
  SayOutcome,
  SayRequest,
  TransferOutcome,
  TransferRequest,
} from '../runtime/call-port.js';

export interface LiveCallPortOptions {
  readonly callId: string;
  readonly number: string;
  /** The calling number (personal data); null = withheld. @default null */
  readonly callerNumber?: string | null;
  readonly media: CallMediaSession;
  readonly control: CallControl;
  /** The call's recognition session for a language (created on first use); undefined = none serves it. */
  readonly recognition: (language: ConversationLanguage) => ChainSession | undefined;
  /** Observer of each listen result (latency figures, the live view). */
  readonly onListen?: (result: ListenResult, language: ConversationLanguage) => void;
}

export class LiveCallPort implements CallPort {
  readonly callId: string;
  readonly number: string;
  readonly callerNumber: string | null;
  readonly hungUp: Promise<void>;
  private closed = false;
  private readonly cancelers = new Set<() => void>();
  /**
   * Keys pressed while no listen or digit entry was open (during a `say`, or between steps): the next step gets
   * them first, so a caller who presses 9 during "for English press 9" is not ignored.
   */
  private typeAhead = '';
  /** Steps currently consuming keys themselves. */
  private keyConsumers = 0;

  constructor(private readonly options: LiveCallPortOptions) {
    this.callId = options.callId;
    this.number = options.number;
    this.callerNumber = options.callerNumber ?? null;
    options.media.on('dtmf', ({ digit }) => {
      if (this.keyConsumers === 0 && this.typeAhead.length < 32) {
        this.typeAhead += digit;
      }
    });
    this.hungUp = new Promise((resolve) => {
      options.media.once('closed', () => {
        this.closed = true;
        for (const cancel of this.cancelers) {
          cancel();
        }
        resolve();
      });
    });
  }

  recognizerAvailable(language: ConversationLanguage): boolean {
    return this.options.recognition(language)?.available ?? false;
  }

  async say(request: SayRequest): Promise<SayOutcome> {
    this.assertOpen();
    if (request.prompts.length === 0) {
      return { status: 'finished' };
    }
    const playback = this.options.media.play(items(request.prompts, request.language), {
      bargeIn: request.bargeIn,
      language: request.language,
    });
    const result = await playback.done;
    return { status: result.status === 'finished' ? 'finished' : 'interrupted' };
  }

  async listen(request: ListenRequest): Promise<ListenOutcome> {
    this.assertOpen();
    if (request.acceptDtmf && this.typeAhead !== '') {
      const digit = this.typeAhead[0]!;
      this.typeAhead = this.typeAhead.slice(1);
      return { kind: 'dtmf', digit };
    }
    this.keyConsumers++;
    const result = await this.listenOnce(request, request.acceptDtmf).finally(() => this.keyConsumers--);
    switch (result.kind) {
      case 'speech':
        return {
          kind: 'speech',
          transcript: result.transcript,
          confidence: result.confidence,
          provider: result.provider,
          latencyMs: result.latencyMs,
        };
      case 'dtmf':
        return { kind: 'dtmf', digit: result.digit };
      case 'no-input':
        return { kind: 'no-input' };
      case 'no-match':
        return { kind: 'no-match' };
      case 'error':
        return { kind: 'error', errorKind: result.error.kind, message: result.error.message };
    }
  }

  async collectDigits(request: CollectDigitsRequest): Promise<CollectDigitsOutcome> {
    this.assertOpen();
    const { media } = this.options;
    let digits = this.typeAhead.slice(0, request.max);
    this.typeAhead = '';
    if (
      digits.length >= request.max ||
      (request.terminator !== null && digits.includes(request.terminator))
    ) {
      const cut = request.terminator === null ? digits : digits.split(request.terminator)[0]!;
      return cut === '' ? { kind: 'no-input' } : { kind: 'keys', digits: cut };
    }
    this.keyConsumers++;
    return new Promise<CollectDigitsOutcome>((resolve) => {
      let done = false;
      let keyTimer: NodeJS.Timeout | undefined;
      let speech: { cancel(): void } | undefined;
      const finish = (outcome: CollectDigitsOutcome): void => {
        if (done) {
          return;
        }
        done = true;
        media.off('dtmf', onKey);
        if (keyTimer !== undefined) {
          clearTimeout(keyTimer);
        }
        speech?.cancel();
        this.cancelers.delete(cancel);
        this.keyConsumers--;
        resolve(outcome);
      };
      const cancel = (): void => finish({ kind: 'no-input' });
      this.cancelers.add(cancel);
      const armKeyTimer = (ms: number): void => {
        if (keyTimer !== undefined) {
          clearTimeout(keyTimer);
        }
        keyTimer = setTimeout(
          () => finish(digits === '' ? { kind: 'no-input' } : { kind: 'keys', digits }),
          ms,
        );
      };
      const onKey = ({ digit }: { digit: string }): void => {
        speech?.cancel(); // keys win over speech
        speech = undefined;
        if (request.terminator !== null && digit === request.terminator) {
          finish(digits === '' ? { kind: 'no-input' } : { kind: 'keys', digits });
          return;
        }
        digits += digit;
        if (digits.length >= request.max) {
          finish({ kind: 'keys', digits });
          return;
        }
        armKeyTimer(request.interDigitMs);
      };
      media.on('dtmf', onKey);
      const prompt =
        request.prompts.length === 0
          ? Promise.resolve()
          : media
              .play(items(request.prompts, request.language), { bargeIn: true, language: request.language })
              .done.then(() => undefined);
      if (digits !== '') {
        armKeyTimer(request.interDigitMs);
      }
      if (request.spoken && digits === '') {
        const step = listen(media, this.options.recognition(request.language), {
          recognition: {
            ...DEFAULT_RECOGNITION_TURN_OPTIONS,
            language: request.language,
            grammar: null,
            singleUtterance: true,
          },
          endpointing: { armNoInputTimer: false, noInputTimeoutMs: request.firstDigitMs },
          acceptDtmf: false,
        });
        speech = step;
        void step.result.then((result) => {
          if (result.kind === 'speech') {
            finish({ kind: 'speech', transcript: result.transcript });
          } else if (digits === '' && result.kind !== 'dtmf') {
            finish({ kind: 'no-input' });
          }
        });
        void prompt.then(() => media.armNoInputTimer());
      } else {
        void prompt.then(() => {
          if (digits === '') {
            armKeyTimer(request.firstDigitMs);
          }
        });
      }
    });
  }

  async transfer(request: TransferRequest): Promise<TransferOutcome> {
    this.assertOpen();
    const result = await this.options.control.transfer({
      groupId: request.target,
      uris: request.uris,
      mode: request.mode,
      fallbackToBridge: request.fallbackToBridge,
      timeoutMs: request.timeoutMs,
      context: request.context,
    });
    return result.status === 'transferred'
      ? { status: 'transferred', method: result.method, uri: result.uri }
      : { status: 'failed', reason: result.reason, sipStatus: result.sipStatus };
  }

  hangup(): Promise<void> {
    if (!this.closed) {
      this.options.control.hangup();
    }
    return Promise.resolve();
  }

  private listenOnce(request: ListenRequest, acceptDtmf: boolean): Promise<ListenResult> {
    const { media } = this.options;
    const recognition = this.options.recognition(request.language);
    const step = listen(media, recognition, {
      recognition: {
        ...DEFAULT_RECOGNITION_TURN_OPTIONS,
        language: request.language,
        hints: request.hints,
        grammar: request.phrases,
        noInputTimeoutMs: request.noInputMs,
        maxUtteranceMs: request.maxUtteranceMs,
      },
      endpointing: {
        armNoInputTimer: request.prompts.length === 0,
        noInputTimeoutMs: request.noInputMs,
        maxUtteranceMs: request.maxUtteranceMs,
      },
      acceptDtmf,
      speech: request.grammar === 'none' ? 'ignore' : 'recognize',
    });
    const cancel = (): void => step.cancel();
    this.cancelers.add(cancel);
    if (request.prompts.length > 0) {
      const playback = media.play(items(request.prompts, request.language), {
        bargeIn: request.bargeIn,
        language: request.language,
      });
      void playback.done.then(() => media.armNoInputTimer());
    }
    return step.result.then((result) => {
      this.cancelers.delete(cancel);
      this.options.onListen?.(result, request.language);
      return result;
    });
  }

  private assertOpen(): void {
    if (this.closed) {
      throw new Error(`call ${this.callId} has ended`);
    }
  }
}

function items(prompts: readonly ResolvedPrompt[], language: ConversationLanguage): PlaybackItem[] {
  return prompts.flatMap((p) =>
    (p.static ? [p.text] : speechSegments(p.text)).map((text): PlaybackItem => ({
      kind: 'tts',
      text,
      language,
    })),
  );
}

/**
 * A prompt with variables (a NIR read back in groups, a date) split after each comma or sentence end. The player
 * starts a segment as soon as it is synthesized while the next ones are synthesized in parallel, and the leading
 * segments ("J'ai noté 1") repeat across callers and come from the TTS cache: the caller hears the answer without
 * waiting for the whole sentence to be synthesized (measured by `bench:turns`). The pauses between segments are the
 * ones a person reading groups of digits makes.
 */
export function speechSegments(text: string): string[] {
  return text
    .split(/(?<=[,.;:?!])\s+/)
    .map((segment) => segment.trim())
    .filter((segment) => segment !== '');
}
