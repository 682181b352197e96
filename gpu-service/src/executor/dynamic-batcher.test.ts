/**
 * The dynamic batcher on a stand-in graph that doubles its input and records each run: merging,
 * splitting, the queue delay, flushing once every tracked caller waits, and failure isolation.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { GpuMetrics } from '../metrics/gpu-metrics.js';
import { BatchingExecutor } from './dynamic-batcher.js';
import type { Feeds, GraphExecutor } from './graph-executor.js';

/** `double`: y = 2x, rows of 2; any row holding a negative value makes the whole run fail. */
class DoublingGraph implements GraphExecutor {
  runs: number[] = [];

  async run(_graph: string, feeds: Feeds): Promise<Feeds> {
    const x = feeds.x.data as Float32Array;
    this.runs.push(feeds.x.dims[0]);
    await new Promise((r) => setTimeout(r, 1));
    if (x.some((v) => v < 0)) throw new Error('negative input');
    return { y: new ort.Tensor('float32', x.map((v) => 2 * v), feeds.x.dims) };
  }

  track<T>(work: () => Promise<T>): Promise<T> {
    return work();
  }

  async release(): Promise<void> {}
}

const row = (...values: number[]) => ({
  x: new ort.Tensor('float32', Float32Array.from(values), [1, values.length]),
});
const metrics = () => new GpuMetrics({ processMetrics: false });

describe('BatchingExecutor', () => {
  it('merges concurrent calls of one shape into one run and gives each its own rows', async () => {
    const graph = new DoublingGraph();
    const batcher = new BatchingExecutor(graph, ['double'],
      { maxBatch: 8, maxQueueDelayMs: 20 }, 'test', metrics());
    const calls = [row(1, 2), row(3, 4), row(5, 6)].map((f) => batcher.run('double', f));
    const out = await Promise.all(calls);
    expect(graph.runs).toEqual([3]);
    expect(out.map((o) => [...(o.y.data as Float32Array)])).toEqual([[2, 4], [6, 8], [10, 12]]);
    expect(out[0].y.dims).toEqual([1, 2]);
  });

  it('keeps calls of different shapes apart and caps a batch at maxBatch rows', async () => {
    const graph = new DoublingGraph();
    const batcher = new BatchingExecutor(graph, ['double'],
      { maxBatch: 2, maxQueueDelayMs: 20 }, 'test', metrics());
    const out = await Promise.all([row(1, 1), row(2, 2), row(3, 3), row(4, 4, 4)]
      .map((f) => batcher.run('double', f)));
    expect([...graph.runs].sort()).toEqual([1, 1, 2]);
    expect([...(out[3].y.data as Float32Array)]).toEqual([8, 8, 8]);
    expect([...(out[2].y.data as Float32Array)]).toEqual([6, 6]);
  });

  it('runs a lone call after maxQueueDelayMs while another tracked caller is busy', async () => {
    const graph = new DoublingGraph();
    const batcher = new BatchingExecutor(graph, ['double'],
      { maxBatch: 8, maxQueueDelayMs: 40 }, 'test', metrics());
    let release!: () => void;
    const busy = batcher.track(() => new Promise<void>((r) => { release = r; }));
    const started = performance.now();
    const out = await batcher.track(() => batcher.run('double', row(7)));
    const waited = performance.now() - started;
    expect([...(out.y.data as Float32Array)]).toEqual([14]);
    expect(waited).toBeGreaterThanOrEqual(38);
    expect(waited).toBeLessThan(40 + 400);
    release();
    await busy;
  });

  it('lets an untracked call (a KServe client) wait for company while a request is busy',
    async () => {
      const graph = new DoublingGraph();
      const batcher = new BatchingExecutor(graph, ['double'],
        { maxBatch: 8, maxQueueDelayMs: 40 }, 'test', metrics());
      let release!: () => void;
      const busy = batcher.track(() => new Promise<void>((r) => { release = r; }));
      const started = performance.now();
      await batcher.run('double', row(1));
      expect(performance.now() - started).toBeGreaterThanOrEqual(38);
      release();
      await busy;
    });

  it('does not wait when every tracked caller is already waiting', async () => {
    const graph = new DoublingGraph();
    const batcher = new BatchingExecutor(graph, ['double'],
      { maxBatch: 8, maxQueueDelayMs: 5000 }, 'test', metrics());
    const started = performance.now();
    // All three callers are active before the first one asks for its graph.
    const out = await Promise.all([1, 2, 3].map((v) => batcher.track(async () => {
      await Promise.resolve();
      return batcher.run('double', row(v));
    })));
    expect(performance.now() - started).toBeLessThan(1000);
    expect(graph.runs).toEqual([3]);
    expect(out.map((o) => (o.y.data as Float32Array)[0])).toEqual([2, 4, 6]);
  });

  it('answers the other calls of a batch when one call makes the merged run fail', async () => {
    const graph = new DoublingGraph();
    const batcher = new BatchingExecutor(graph, ['double'],
      { maxBatch: 8, maxQueueDelayMs: 20 }, 'test', metrics());
    const results = await Promise.allSettled([row(1), row(-1), row(3)]
      .map((f) => batcher.run('double', f)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const ok = results.filter((r) => r.status === 'fulfilled')
      .map((r) => ((r as PromiseFulfilledResult<Feeds>).value.y.data as Float32Array)[0]);
    expect(ok).toEqual([2, 6]);
    expect((results[1] as PromiseRejectedResult).reason.message).toBe('negative input');
  });

  it('passes calls to graphs it does not batch straight through', async () => {
    const graph = new DoublingGraph();
    const batcher = new BatchingExecutor(graph, [], { maxBatch: 8, maxQueueDelayMs: 1000 },
      'test', metrics());
    await Promise.all([row(1), row(2)].map((f) => batcher.run('double', f)));
    expect(graph.runs).toEqual([1, 1]);
  });

  it('reports each call\'s wait to the queue-delay histogram', async () => {
    const registry = metrics();
    const batcher = new BatchingExecutor(new DoublingGraph(), ['double'],
      { maxBatch: 2, maxQueueDelayMs: 20 }, 'test', registry);
    await Promise.all([row(1), row(2)].map((f) => batcher.run('double', f)));
    const { text } = await registry.scrape();
    expect(text).toMatch(
      /pixloom_batch_queue_delay_seconds_count\{bundle="test",graph="double"\} 2/);
  });
});
