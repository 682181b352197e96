import { describe, expect, it } from 'vitest';
import { StoryJobQueue } from './job-queue.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A job that runs until its signal is aborted, checking it every 5 ms like a scheduler step. */
async function untilStopped(signal: AbortSignal): Promise<string> {
  for (;;) {
    signal.throwIfAborted();
    await sleep(5);
  }
}

describe('StoryJobQueue', () => {
  it('runs jobs one at a time in order', async () => {
    const queue = new StoryJobQueue({ maxWaiting: 4, timeoutMs: 10_000 });
    const order: string[] = [];
    const job = (id: string) => queue.run(id, async () => {
      order.push(`start ${id}`);
      await sleep(10);
      order.push(`end ${id}`);
    });
    await Promise.all([job('aaaaaaaa'), job('bbbbbbbb')]);
    expect(order).toEqual(['start aaaaaaaa', 'end aaaaaaaa', 'start bbbbbbbb', 'end bbbbbbbb']);
    expect(queue.size).toBe(0);
  });

  it('refuses with BUSY and a retry delay once maxWaiting jobs wait', async () => {
    const queue = new StoryJobQueue({ maxWaiting: 1, timeoutMs: 10_000 });
    const running = queue.run('running1', (c) => untilStopped(c.signal));
    const waiting = queue.run('waiting1', async () => 'ran');
    await sleep(1);
    expect(() => queue.run('refused1', async () => 'x')).toThrow(
      expect.objectContaining({ code: 'BUSY', message: expect.stringMatching(/retry in \d+ s/) }),
    );
    expect(queue.retryAfterSeconds()).toBeGreaterThanOrEqual(1);
    expect(queue.cancel('running1')).toBe(true);
    await expect(running).rejects.toMatchObject({ code: 'CANCELLED' });
    await expect(waiting).resolves.toBe('ran');
  });

  it('cancels a queued job before it starts and refuses a duplicate id', async () => {
    const queue = new StoryJobQueue({ maxWaiting: 2, timeoutMs: 10_000 });
    const first = queue.run('first111', (c) => untilStopped(c.signal));
    let started = false;
    const second = queue.run('second11', async () => {
      started = true;
    });
    expect(() => queue.run('second11', async () => undefined)).toThrow(/already queued/);
    expect(queue.cancel('second11')).toBe(true);
    expect(queue.cancel('nothing1')).toBe(false);
    queue.cancel('first111');
    await expect(first).rejects.toMatchObject({ code: 'CANCELLED' });
    await expect(second).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(started).toBe(false);
  });

  it('stops a job that runs past the timeout', async () => {
    const queue = new StoryJobQueue({ maxWaiting: 1, timeoutMs: 30 });
    let reason: string | null = null;
    const job = queue.run('slowjob1', (c) => untilStopped(c.signal).finally(() => {
      reason = c.reason;
    }));
    await expect(job).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(reason).toBe('timeout');
  });
});
