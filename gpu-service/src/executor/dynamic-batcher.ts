/**
 * Dynamic batching per graph, in the manner of Triton's dynamic batcher: concurrent calls to a
 * graph whose feeds agree on every axis but the batch axis are merged into one run of at most
 * `maxBatch` rows, then the outputs are split back to their callers.
 *
 * A call waits for company at most `maxQueueDelayMs`. It waits less when nobody else can come:
 * callers announce themselves with {@link BatchingExecutor.track}, and once every tracked
 * caller is waiting on some graph, every waiting group runs at once. A lone caller therefore
 * never pays the delay, and calls that advance in lockstep (LM steps of requests that started
 * together) run as one batch per step.
 *
 * Only graphs whose every input and output has the same symbolic leading axis batch (see
 * {@link batchableGraphs}); calls to other graphs go straight through. Tensors are joined as
 * they are, without padding: the LM step has no attention mask input, so sequences batch only
 * when their question and KV-cache lengths are equal. When a merged run fails, each of its calls
 * is run alone, so a bad call fails by itself and the others are answered.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';
import type { BundleManifest } from '../../../shared/src/manifest.js';
import { type GpuMetrics, gpuMetrics } from '../metrics/gpu-metrics.js';
import { batchKey, batchOf, concatFeeds, splitOutputs } from './batch-tensors.js';
import type { Feeds, GraphExecutor } from './graph-executor.js';

export interface DynamicBatchingOptions {
  /** Most rows (leading-axis entries) in one merged run. @default 8 */
  maxBatch: number;
  /** Longest a call waits for others to join its batch, in milliseconds. @default 2 */
  maxQueueDelayMs: number;
}

export const DEFAULT_BATCHING: DynamicBatchingOptions = { maxBatch: 8, maxQueueDelayMs: 2 };

interface PendingCall {
  feeds: Feeds;
  rows: number;
  queuedAt: number;
  tracked: boolean;
  resolve(outputs: Feeds): void;
  reject(error: unknown): void;
}

interface Group {
  graph: string;
  calls: PendingCall[];
  rows: number;
  timer: NodeJS.Timeout | null;
}

/**
 * The graphs of a manifest that can be batched: every input and output starts with the same
 * symbolic axis (such as `"batch"`).
 */
export function batchableGraphs(manifest: BundleManifest): string[] {
  return Object.entries(manifest.graphs).filter(([, spec]) => {
    const axes = [...spec.inputs, ...spec.outputs].map((t) => t.shape[0]);
    return typeof axes[0] === 'string' && axes.every((a) => a === axes[0]);
  }).map(([key]) => key);
}

export class BatchingExecutor implements GraphExecutor {
  private readonly groups = new Map<string, Group>();
  private readonly batchable: Set<string>;
  /** Set inside track(): tells a tracked caller's graph calls from anyone else's. */
  private readonly scope = new AsyncLocalStorage<true>();
  /** Callers inside track(). */
  private active = 0;
  /** Tracked calls queued in some group. */
  private trackedWaiting = 0;

  /**
   * @param inner runs the merged calls
   * @param graphs keys of the graphs to batch (the others go straight to `inner`)
   * @param bundle the bundle's name, for the metrics' labels
   */
  constructor(
    private readonly inner: GraphExecutor,
    graphs: string[],
    private readonly options: DynamicBatchingOptions = DEFAULT_BATCHING,
    private readonly bundle = '',
    private readonly metrics: GpuMetrics = gpuMetrics,
  ) {
    this.batchable = new Set(graphs);
  }

  run(graph: string, feeds: Feeds): Promise<Feeds> {
    if (!this.batchable.has(graph) || this.options.maxBatch <= 1) {
      return this.inner.run(graph, feeds);
    }
    const key = `${graph}|${batchKey(feeds)}`;
    let group = this.groups.get(key);
    if (!group) {
      group = { graph, calls: [], rows: 0, timer: null };
      this.groups.set(key, group);
    }
    const tracked = this.scope.getStore() === true;
    const result = new Promise<Feeds>((resolve, reject) => {
      group.calls.push({
        feeds, rows: batchOf(feeds), queuedAt: performance.now(), tracked, resolve, reject,
      });
    });
    group.rows += batchOf(feeds);
    if (tracked) this.trackedWaiting++;

    if (group.rows >= this.options.maxBatch) this.flush(key, group);
    else if (!this.flushIfAllWaiting()) this.arm(key, group);
    return result;
  }

  async track<T>(work: () => Promise<T>): Promise<T> {
    if (this.scope.getStore()) return work();
    this.active++;
    try {
      return await this.scope.run(true, work);
    } finally {
      this.active--;
      this.flushIfAllWaiting();
    }
  }

  async release(): Promise<void> {
    for (const [key, group] of this.groups) this.flush(key, group);
    await this.inner.release();
  }

  private arm(key: string, group: Group): void {
    if (group.timer || group.calls.length === 0) return;
    group.timer = setTimeout(() => this.flush(key, group), this.options.maxQueueDelayMs);
  }

  /** When every tracked caller waits on some graph, nobody else can join: run every group. */
  private flushIfAllWaiting(): boolean {
    if (this.active === 0 || this.trackedWaiting < this.active) return false;
    for (const [key, group] of this.groups) this.flush(key, group);
    return true;
  }

  /** Takes up to maxBatch rows from the group (at least one call) and runs them. */
  private flush(key: string, group: Group): void {
    if (group.timer) clearTimeout(group.timer);
    group.timer = null;
    while (group.calls.length > 0) {
      const take: PendingCall[] = [];
      let rows = 0;
      while (group.calls.length > 0
        && (take.length === 0 || rows + group.calls[0].rows <= this.options.maxBatch)) {
        const call = group.calls.shift() as PendingCall;
        rows += call.rows;
        take.push(call);
      }
      group.rows -= rows;
      void this.runBatch(group.graph, take);
    }
    this.groups.delete(key);
  }

  private async runBatch(graph: string, calls: PendingCall[]): Promise<void> {
    const now = performance.now();
    for (const call of calls) {
      if (call.tracked) this.trackedWaiting--;
      this.metrics.batchQueueSeconds.observe({ bundle: this.bundle, graph },
        (now - call.queuedAt) / 1000);
    }
    // Settles the call whatever `inner.run` does, even if it throws before returning a promise.
    const runAlone = (call: PendingCall) => Promise.resolve()
      .then(() => this.inner.run(graph, call.feeds)).then(call.resolve, call.reject);
    if (calls.length === 1) {
      await runAlone(calls[0]);
      return;
    }
    let parts: Feeds[];
    try {
      const merged = await this.inner.run(graph, concatFeeds(calls.map((c) => c.feeds)));
      parts = splitOutputs(merged, calls.map((c) => c.rows));
    } catch {
      // One bad call must not fail the others: run each alone and answer each on its own.
      await Promise.all(calls.map(runAlone));
      return;
    }
    calls.forEach((call, i) => call.resolve(parts[i]));
  }
}
