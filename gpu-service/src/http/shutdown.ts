/**
 * Graceful shutdown: once draining, the service takes no new work (calls get `UNAVAILABLE`
 * with `Retry-After` and `connection: close`, readiness answers 503 so balancers move away),
 * while the calls already running finish; the server then closes when they have, or when the
 * grace period ends.
 */
import type { ServerResponse } from 'node:http';
import { PixloomError } from '../../../shared/src/errors.js';
import { withRetryAfter } from '../../../shared/src/retry-after.js';

export class Drain {
  private inflight = 0;
  private waiters: Array<() => void> = [];
  private started = false;

  /** Whether the service has stopped taking work. */
  get draining(): boolean {
    return this.started;
  }

  /** Calls whose responses have not closed yet. */
  get active(): number {
    return this.inflight;
  }

  /** Counts a call until its response closes (sent, or the connection dropped). */
  track(res: ServerResponse): void {
    this.inflight++;
    res.once('close', () => {
      this.inflight--;
      if (this.inflight === 0) for (const wake of this.waiters.splice(0)) wake();
    });
  }

  /** Stops taking work. */
  start(): void {
    this.started = true;
  }

  /** The refusal for a call that arrives while draining. */
  refusal(): PixloomError {
    return withRetryAfter(new PixloomError('UNAVAILABLE', 'The gpu-service is shutting down '
      + 'and takes no new calls; retry on another replica, or here in a moment.'), 1);
  }

  /**
   * Resolves `true` once no call is running, or `false` when `graceMs` passed first.
   */
  idle(graceMs: number): Promise<boolean> {
    if (this.inflight === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), graceMs);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}
