/**
 * Runs pipeline calls one at a time. The sessions of a bundle share the machine's cores, so
 * running two queries at once only makes both slower; waiting calls beyond a limit are refused
 * at once rather than left to time out.
 */
import { PixloomError } from '../../../shared/src/errors.js';

export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private pending = 0;

  /** @param maxWaiting calls allowed to wait while one runs */
  constructor(private readonly maxWaiting: number) {}

  /** Calls waiting or running. */
  get size(): number {
    return this.pending;
  }

  /**
   * Runs `task` after every task queued before it has settled.
   *
   * @throws PixloomError `UNAVAILABLE` when `maxWaiting` calls are already waiting
   */
  run<T>(task: () => Promise<T>): Promise<T> {
    if (this.pending > this.maxWaiting) {
      return Promise.reject(new PixloomError('UNAVAILABLE', 'The gpu-service is busy '
        + `(${this.pending} calls queued); retry in a moment, or raise PIXLOOM_MAX_QUEUE.`));
    }
    this.pending++;
    const result = this.tail.then(task);
    this.tail = result.catch(() => undefined).finally(() => {
      this.pending--;
    });
    return result;
  }
}
