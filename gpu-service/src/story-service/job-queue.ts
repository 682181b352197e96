/**
 * Story jobs, one at a time: a story keeps every core busy for seconds to minutes, so running
 * two at once only makes both later. A bounded number wait; past that a job is refused at
 * once with `BUSY` and a retry delay, never dropped silently. Each job can be cancelled by id
 * (queued or running) and is stopped when it passes the per-job timeout.
 */
import { PixloomError } from '../../../shared/src/errors.js';
import { gpuMetrics } from '../metrics/gpu-metrics.js';

export interface StoryJobQueueOptions {
  /** Jobs allowed to wait while one runs. */
  maxWaiting: number;
  /** A running job is aborted after this long. */
  timeoutMs: number;
}

/** Why a job's signal was aborted. */
export type StopReason = 'cancelled' | 'timeout' | 'client-gone';

export interface JobControl {
  readonly signal: AbortSignal;
  /** Set once the signal is aborted. */
  readonly reason: StopReason | null;
}

interface Entry {
  id: string;
  controller: AbortController;
  reason: StopReason | null;
  started: boolean;
}

export class StoryJobQueue {
  private readonly jobs = new Map<string, Entry>();
  private tail: Promise<unknown> = Promise.resolve();
  /** Mean duration of recent jobs, for the retry hint. */
  private meanMs = 30_000;

  constructor(private readonly options: StoryJobQueueOptions) {}

  /** Jobs waiting or running. */
  get size(): number {
    return this.jobs.size;
  }

  /** Seconds after which a refused caller may find room: the jobs ahead times their mean. */
  retryAfterSeconds(): number {
    return Math.max(1, Math.ceil((this.jobs.size * this.meanMs) / 1000));
  }

  /**
   * Queues `task`; it runs after every job queued before it has settled.
   *
   * @throws PixloomError `BUSY` when `maxWaiting` jobs already wait; `BAD_REQUEST` when a job
   *   with this id is queued or running
   */
  run<T>(id: string, task: (control: JobControl) => Promise<T>): Promise<T> {
    if (this.jobs.has(id)) {
      throw new PixloomError('BAD_REQUEST', `Story job ${id} is already queued or running; `
        + 'start a new job with a new id.');
    }
    // The first job in line runs (or is about to); the others wait.
    if (this.jobs.size > this.options.maxWaiting) {
      gpuMetrics.storyJobs.inc({ outcome: 'refused' });
      throw new PixloomError('BUSY', `The story queue is full (${this.jobs.size} jobs); retry `
        + `in ${this.retryAfterSeconds()} s, or raise PIXLOOM_STORY_MAX_QUEUE.`);
    }
    const entry: Entry = { id, controller: new AbortController(), reason: null, started: false };
    this.jobs.set(id, entry);
    const control: JobControl = {
      signal: entry.controller.signal,
      get reason() { return entry.reason; },
    };

    const result = this.tail.then(async () => {
      entry.started = true;
      entry.controller.signal.throwIfAborted();
      const timer = setTimeout(() => this.stop(entry, 'timeout'), this.options.timeoutMs);
      const t0 = Date.now();
      try {
        return await task(control);
      } finally {
        clearTimeout(timer);
        this.meanMs = 0.7 * this.meanMs + 0.3 * (Date.now() - t0);
      }
    });
    this.tail = result.catch(() => undefined).finally(() => {
      this.jobs.delete(id);
    });
    gpuMetrics.countStoryJob(result, () => entry.reason);
    return result;
  }

  /** Cancels a queued or running job; false when no such job is queued or running. */
  cancel(id: string, reason: StopReason = 'cancelled'): boolean {
    const entry = this.jobs.get(id);
    if (!entry || entry.controller.signal.aborted) return false;
    this.stop(entry, reason);
    return true;
  }

  /** Cancels every job (the service is stopping). */
  cancelAll(): void {
    for (const entry of this.jobs.values()) this.stop(entry, 'cancelled');
  }

  private stop(entry: Entry, reason: StopReason): void {
    if (entry.controller.signal.aborted) return;
    entry.reason = reason;
    entry.controller.abort(new PixloomError(reason === 'timeout' ? 'TIMEOUT' : 'CANCELLED',
      reason === 'timeout'
        ? `The story job ran past ${this.options.timeoutMs / 1000} s; send fewer panels, `
          + 'steps or frames, or raise PIXLOOM_STORY_TIMEOUT_MS.'
        : 'The story job was cancelled.'));
  }
}
