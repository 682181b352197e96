/**
 * Runs calls one at a time: a {@link WorkQueue} of concurrency 1, for calls that must not
 * overlap.
 */
import { WorkQueue } from './work-queue.js';

export class SerialQueue extends WorkQueue {
  /**
   * @param maxWaiting calls allowed to wait while one runs
   * @param maxWaitMs longest a call may wait for its turn before it is dropped
   */
  constructor(maxWaiting: number, maxWaitMs = 60_000) {
    super(1, maxWaiting, maxWaitMs);
  }
}
