import { describe, expect, it } from 'vitest';
import { WorkQueue } from './work-queue.js';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('WorkQueue', () => {
  it('runs at most `concurrency` calls at once, starting them in arrival order', async () => {
    const queue = new WorkQueue(3, 10);
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    const job = (i: number) => queue.run(async () => {
      started.push(i);
      running++;
      peak = Math.max(peak, running);
      await tick(10);
      running--;
      return i;
    });
    const results = await Promise.all([0, 1, 2, 3, 4, 5, 6].map(job));
    expect(results).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(peak).toBe(3);
    expect(queue.size).toBe(0);
  });

  it('counts the waiting limit beyond the running calls and frees slots after failures',
    async () => {
      const queue = new WorkQueue(2, 1);
      const calls = [queue.run(() => tick(20)), queue.run(() => tick(20)),
        queue.run(async () => 'third')];
      await expect(queue.run(async () => 1)).rejects.toMatchObject({ code: 'BUSY' });
      await Promise.all(calls);
      await expect(queue.run(() => Promise.reject(new Error('x')))).rejects.toThrow('x');
      await expect(queue.run(async () => 9)).resolves.toBe(9);
      expect(queue.size).toBe(0);
    });
});
