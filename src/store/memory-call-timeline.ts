/**
 * A timeline kept in memory: the designer's simulator, tests, and servers without Redis. Optionally tells a
 * listener about each entry as it is appended (the simulator prints them as they happen).
 */
import type { CallTimeline, TimelineEntry } from './call-timeline.js';

export class MemoryCallTimeline implements CallTimeline {
  readonly entries: TimelineEntry[] = [];

  constructor(private readonly onEntry?: (entry: TimelineEntry) => void) {}

  append(entry: TimelineEntry): void {
    this.entries.push(entry);
    try {
      this.onEntry?.(entry);
    } catch {
      // A listener's failure is the listener's: the call goes on.
    }
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }

  /** The entries of one type, in order. */
  ofType(type: TimelineEntry['type']): TimelineEntry[] {
    return this.entries.filter((entry) => entry.type === type);
  }
}
