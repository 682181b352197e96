import { describe, expect, it } from 'vitest';
import { retryAfterOf } from '../../../shared/src/retry-after.js';
import { SerialQueue } from './serial-queue.js';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('SerialQueue', () => {
  it('runs calls one at a time, in order, past failures', async () => {
    const queue = new SerialQueue(10);
    const events: string[] = [];
    const job = (name: string, ms: number, fail = false) => queue.run(async () => {
      events.push(`start ${name}`);
      await tick(ms);
      events.push(`end ${name}`);
      if (fail) throw new Error(name);
      return name;
    });
    const results = await Promise.allSettled([job('a', 20), job('b', 5, true), job('c', 1)]);
    expect(events).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(queue.size).toBe(0);
  });

  it('refuses calls beyond the waiting limit with BUSY and a retry delay', async () => {
    const queue = new SerialQueue(1);
    const running = queue.run(() => tick(20));
    const waiting = queue.run(() => tick(1));
    const refused = await queue.run(() => tick(1)).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'BUSY', status: 503 });
    expect(retryAfterOf(refused)).toBeGreaterThanOrEqual(1);
    expect(queue.size).toBe(2);
    await Promise.all([running, waiting]);
    await expect(queue.run(async () => 7)).resolves.toBe(7);
  });

  it('drops a call that waited longer than the queue timeout, with BUSY', async () => {
    const queue = new SerialQueue(10, 30);
    const running = queue.run(() => tick(80));
    let ran = false;
    const late = queue.run(async () => {
      ran = true;
    });
    await expect(late).rejects.toMatchObject({ code: 'BUSY' });
    expect(ran).toBe(false);
    await running;
  });
});
