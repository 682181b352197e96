import { describe, expect, it } from 'vitest';
import type { StoryEventRecord } from '../../../schema/src/story-context';
import { EventLog, type Subscriber } from './event-log';

function collector(id: number, options: { failAt?: number; delayMs?: number } = {}) {
  const got: number[] = [];
  let closed = false;
  const subscriber: Subscriber = {
    id,
    write: async (e: StoryEventRecord) => {
      if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
      if (options.failAt === e.seq) throw new Error('gone');
      got.push(e.seq);
    },
    close: () => { closed = true; },
  };
  return { subscriber, got, isClosed: () => closed };
}

const progress = (step: number) => ({ type: 'progress' as const, stage: 'identity', step, of: 9 });

async function emit(log: EventLog, event: Parameters<EventLog['append']>[0]): Promise<void> {
  await log.publish(log.append(event));
}

describe('story event log', () => {
  it('numbers events from 1 and replays exactly those after `after`', async () => {
    const log = new EventLog();
    for (let i = 1; i <= 5; i++) await emit(log, progress(i));
    expect(log.lastSeq).toBe(5);
    expect(log.after(3).map((e) => e.seq)).toEqual([4, 5]);
    const late = collector(1);
    await log.subscribe(late.subscriber, 2);
    await emit(log, progress(6));
    expect(late.got).toEqual([3, 4, 5, 6]);
  });

  it('gives two subscribers the same sequence, also when events come during a replay', async () => {
    const log = new EventLog();
    for (let i = 1; i <= 3; i++) await emit(log, progress(i));
    const slow = collector(1, { delayMs: 2 });
    const fast = collector(2);
    const replay = log.subscribe(slow.subscriber, 0);
    await log.subscribe(fast.subscriber, 0);
    for (let i = 4; i <= 8; i++) await emit(log, progress(i));
    await replay;
    await emit(log, { type: 'completed', story: {} as never });
    expect(slow.got).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(fast.got).toEqual(slow.got);
    expect(slow.isClosed() && fast.isClosed()).toBe(true);
    expect(log.subscriberCount).toBe(0);
    expect(() => log.append(progress(10))).toThrow(/has ended/);
  });

  it('drops a subscriber whose write fails and keeps serving the others', async () => {
    const log = new EventLog();
    const gone = collector(1, { failAt: 2 });
    const stays = collector(2);
    await log.subscribe(gone.subscriber, 0);
    await log.subscribe(stays.subscriber, 0);
    for (let i = 1; i <= 4; i++) await emit(log, progress(i));
    expect(gone.got).toEqual([1]);
    expect(gone.isClosed()).toBe(true);
    expect(stays.got).toEqual([1, 2, 3, 4]);
    expect(log.gone).toBe(1);
    expect(log.subscriberCount).toBe(1);
  });

  it('restores a stored log; a viewer of an ended story is closed after the replay', async () => {
    const stored = [1, 2].map((seq) => ({ ...progress(seq), seq }))
      .concat([{ seq: 3, type: 'cancelled' } as never]) as StoryEventRecord[];
    const log = new EventLog(stored);
    const viewer = collector(1);
    await log.subscribe(viewer.subscriber, 1);
    expect(viewer.got).toEqual([2, 3]);
    expect(viewer.isClosed()).toBe(true);
    expect(() => new EventLog([{ ...progress(1), seq: 2 }])).toThrow(/seq 2 at position 1/);
  });
});
