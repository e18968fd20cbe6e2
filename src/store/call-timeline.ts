/**
 * A call's timeline: what happened in the conversation, in order — state changes, prompts said, recognition
 * results, classifications with their scores, decisions, errors, notes. The dashboard shows it while the call
 * lives; the designer's simulator prints it.
 *
 * Entries arrive already redacted (the conversation runtime applies the transcript policy and masks digits and
 * NIRs before appending): a timeline store keeps what it is given. `append` is synchronous and never throws, so a
 * slow or absent store can never hold up or break a call.
 */

export type TimelineEntryType =
  | 'state'
  | 'prompt'
  | 'recognition'
  | 'classification'
  | 'routing'
  | 'callback'
  | 'decision'
  | 'error'
  | 'note';

export interface TimelineEntry {
  /** Wall-clock time, ms since the epoch. */
  readonly at: number;
  readonly type: TimelineEntryType;
  /** JSON-serializable. */
  readonly data: Readonly<Record<string, unknown>>;
}

export interface CallTimeline {
  /** Records one entry; must not throw nor wait. */
  append(entry: TimelineEntry): void;
  /** Delivers what is still buffered (end of call). Never rejects. */
  flush(): Promise<void>;
}
