/**
 * Runs pipeline calls one at a time. The sessions of a bundle share the machine's cores, so
 * running two queries at once only makes both slower; waiting calls beyond a limit are refused
 * at once with `BUSY` and a `Retry-After` estimated from recent call times, and a call that
 * waited longer than its queue timeout is dropped with `BUSY` instead of run late.
 */
import { PixloomError } from '../../../shared/src/errors.js';
import { withRetryAfter } from '../../../shared/src/retry-after.js';

export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private pending = 0;
  /** Moving average of a call's run time, for the retry estimate. */
  private averageMs = 200;

  /**
   * @param maxWaiting calls allowed to wait while one runs
   * @param maxWaitMs longest a call may wait for its turn before it is dropped
   */
  constructor(private readonly maxWaiting: number, private readonly maxWaitMs = 60_000) {}

  /** Calls waiting or running. */
  get size(): number {
    return this.pending;
  }

  /** Seconds until a call queued now would probably start. */
  get retryAfterS(): number {
    return Math.max(1, Math.ceil((this.pending * this.averageMs) / 1000));
  }

  /**
   * Runs `task` after every task queued before it has settled.
   *
   * @throws PixloomError `BUSY` when `maxWaiting` calls are already waiting, or when the call
   *   waited longer than `maxWaitMs`
   */
  run<T>(task: () => Promise<T>): Promise<T> {
    if (this.pending > this.maxWaiting) {
      return Promise.reject(withRetryAfter(new PixloomError('BUSY', 'The gpu-service is busy '
        + `(${this.pending} calls queued); retry after ${this.retryAfterS} s (Retry-After), or `
        + 'raise PIXLOOM_MAX_QUEUE.'), this.retryAfterS));
    }
    this.pending++;
    const queued = Date.now();
    const result = this.tail.then(async () => {
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
    });
    this.tail = result.catch(() => undefined).finally(() => {
      this.pending--;
    });
    return result;
  }
}
