/**
 * A story's event log and its subscribers. Every event gets the next `seq` (from 1, no gaps);
 * a subscriber joining with `after` first gets the logged events after it, then live ones, in
 * order, each once. A subscriber whose write fails (gone) is dropped and counted.
 */
import type { StoryEventRecord } from '../../../schema/src/story-context';

type Unsequenced<E> = E extends unknown ? Omit<E, 'seq'> : never;
export type NewStoryEvent = Unsequenced<StoryEventRecord>;

/** Where a subscriber's events go; a rejected write means the subscriber has gone. */
export interface Subscriber {
  id: number;
  write(event: StoryEventRecord): Promise<void>;
  close(): void;
}

export const TERMINAL = new Set<StoryEventRecord['type']>(['completed', 'failed', 'cancelled']);

export class EventLog {
  private readonly events: StoryEventRecord[] = [];
  private readonly subscribers = new Map<number, Subscriber>();
  /** Subscribers dropped because a write to them failed. */
  gone = 0;

  constructor(logged: StoryEventRecord[] = []) {
    logged.forEach((e, i) => {
      if (e.seq !== i + 1) throw new Error(`event log has seq ${e.seq} at position ${i + 1}`);
    });
    this.events.push(...logged);
  }

  get lastSeq(): number {
    return this.events.length;
  }

  get ended(): boolean {
    const last = this.events[this.events.length - 1];
    return last !== undefined && TERMINAL.has(last.type);
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /** The logged events with seq > `after`. */
  after(after: number): StoryEventRecord[] {
    return this.events.slice(Math.max(0, after));
  }

  /** Gives the event its seq and logs it (fan it out with {@link publish}). */
  append(event: NewStoryEvent): StoryEventRecord {
    if (this.ended) throw new Error('the story has ended; no event can follow its last one');
    const logged = { ...event, seq: this.events.length + 1 } as StoryEventRecord;
    this.events.push(logged);
    return logged;
  }

  /**
   * Adds a subscriber: writes the events after `after`, then it gets live events. Resolves
   * once the replay is written; a subscriber of an ended story is closed after the replay.
   */
  async subscribe(subscriber: Subscriber, after: number): Promise<void> {
    this.subscribers.set(subscriber.id, subscriber);
    // Events appended while the replay is written are in `this.events` too: loop until caught up.
    let sent = Math.max(0, after);
    while (sent < this.events.length) {
      const event = this.events[sent];
      sent++;
      if (!(await this.deliver(subscriber, event))) return;
    }
    this.caughtUp.set(subscriber.id, sent);
    if (this.ended) this.remove(subscriber, false);
  }

  /** seq up to which a subscriber has been written (live delivery skips older events). */
  private readonly caughtUp = new Map<number, number>();

  /** Each subscriber's pending writes, so its events stay in order without waiting on it. */
  private readonly queues = new Map<number, Promise<void>>();

  /**
   * Queues a logged event to every caught-up subscriber and closes them after a last event.
   * Nobody waits for a slow subscriber; the promise settles once every write has.
   */
  publish(event: StoryEventRecord): Promise<void> {
    const targets = [...this.subscribers.values()]
      .filter((s) => (this.caughtUp.get(s.id) ?? Infinity) < event.seq);
    return Promise.all(targets.map((s) => {
      this.caughtUp.set(s.id, event.seq);
      const next = (this.queues.get(s.id) ?? Promise.resolve()).then(async () => {
        if (!this.subscribers.has(s.id)) return;
        if (await this.deliver(s, event) && TERMINAL.has(event.type)) this.remove(s, false);
      });
      this.queues.set(s.id, next);
      return next;
    })).then(() => undefined);
  }

  /** Removes a subscriber that left; `gone`: found gone by a failed write (counted). */
  unsubscribe(id: number, gone = false): void {
    const s = this.subscribers.get(id);
    if (s) this.remove(s, gone);
  }

  private async deliver(s: Subscriber, event: StoryEventRecord): Promise<boolean> {
    try {
      await s.write(event);
      return true;
    } catch {
      this.remove(s, true);
      return false;
    }
  }

  private remove(s: Subscriber, gone: boolean): void {
    if (!this.subscribers.delete(s.id)) return;
    this.caughtUp.delete(s.id);
    this.queues.delete(s.id);
    if (gone) this.gone++;
    s.close();
  }
}
