/**
 * Runs pipeline calls with at most `concurrency` at a time, in arrival order. Running several
 * pixel requests at once lets the dynamic batcher merge their graph calls; the bound keeps the
 * machine from being swamped. Waiting calls beyond a limit are refused at once with `BUSY` and a
 * `Retry-After` estimated from recent call times, and a call that waited longer than its queue
 * timeout is dropped with `BUSY` instead of run late.
 */
import { PixloomError } from '../../../shared/src/errors.js';
import { withRetryAfter } from '../../../shared/src/retry-after.js';

export class WorkQueue {
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  /** Moving average of a call's run time, for the retry estimate. */
  private averageMs = 200;

  /**
   * @param concurrency calls that may run at once
   * @param maxWaiting calls allowed to wait while `concurrency` calls run
   * @param maxWaitMs longest a call may wait for its turn before it is dropped
   */
  constructor(
    readonly concurrency: number,
    private readonly maxWaiting: number,
    private readonly maxWaitMs = 60_000,
  ) {
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new RangeError(`concurrency must be a positive integer, not ${concurrency}`);
    }
  }

  /** Calls waiting or running. */
  get size(): number {
    return this.running + this.waiting.length;
  }

  /** Seconds until a call queued now would probably start. */
  get retryAfterS(): number {
    const ahead = this.size / this.concurrency;
    return Math.max(1, Math.ceil((ahead * this.averageMs) / 1000));
  }

  /**
   * Runs `task` once fewer than `concurrency` calls run and every call queued before it has
   * started.
   *
   * @throws PixloomError `BUSY` when `maxWaiting` calls are already waiting, or when the call
   *   waited longer than `maxWaitMs`
   */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.size - this.concurrency >= this.maxWaiting) {
      throw withRetryAfter(new PixloomError('BUSY', 'The gpu-service is busy '
        + `(${this.size} calls queued); retry after ${this.retryAfterS} s (Retry-After), or `
        + 'raise PIXLOOM_MAX_QUEUE.'), this.retryAfterS);
    }
    const queued = Date.now();
    if (this.running >= this.concurrency || this.waiting.length > 0) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    try {
      const waited = Date.now() - queued;
      if (waited > this.maxWaitMs) {
        throw withRetryAfter(new PixloomError('BUSY', `The call waited ${waited} ms for the `
          + `gpu-service, longer than its ${this.maxWaitMs} ms queue timeout; retry later.`),
        this.retryAfterS);
      }
      const started = Date.now();
      try {
        return await task();
      } finally {
        this.averageMs = 0.8 * this.averageMs + 0.2 * (Date.now() - started);
      }
    } finally {
      const next = this.waiting.shift();
      // The slot passes straight to the next caller, so `running` stays the same.
      if (next) next();
      else this.running--;
    }
  }
}
