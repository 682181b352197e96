/**
 * The layer between a pipeline and its ONNX graphs. A pipeline asks an executor to run a graph
 * by its manifest key with named tensors and gets the named outputs back; whether that runs
 * one onnxruntime session call, joins a dynamic batch, or goes to a remote inference server is
 * the executor's business.
 */
import type * as ort from 'onnxruntime-node';
import type { BatchingExecutor } from './dynamic-batcher.js';

export type Feeds = Record<string, ort.Tensor>;

export interface GraphExecutor {
  /** Runs graph `graph` (its key in the bundle manifest) on `feeds`; resolves with its outputs. */
  run(graph: string, feeds: Feeds): Promise<Feeds>;

  /**
   * Marks the caller as active while `work` runs, so a batching executor knows who may still
   * join a batch. Executors that do not batch just run `work`.
   */
  track<T>(work: () => Promise<T>): Promise<T>;

  /** Releases sessions or connections. */
  release(): Promise<void>;
}

/**
 * Runs each call on the graph's own onnxruntime session, as it comes.
 *
 * onnxruntime-node 1.22 runs `session.run` synchronously on the JavaScript thread (it only
 * defers the call with `setImmediate`), so graph runs of concurrent requests never overlap in
 * time; merging them into one run ({@link BatchingExecutor}) is how concurrent requests share
 * work here. Each run may still use several cores through onnxruntime's intra-op threads.
 */
export class SessionExecutor implements GraphExecutor {
  constructor(private readonly sessions: Record<string, ort.InferenceSession>) {}

  get graphs(): string[] {
    return Object.keys(this.sessions);
  }

  async run(graph: string, feeds: Feeds): Promise<Feeds> {
    const session = this.sessions[graph];
    if (!session) {
      throw new Error(`No session for graph ${graph}; this executor has `
        + `${this.graphs.join(', ')}.`);
    }
    return session.run(feeds) as Promise<Feeds>;
  }

  track<T>(work: () => Promise<T>): Promise<T> {
    return work();
  }

  async release(): Promise<void> {
    await Promise.all(Object.values(this.sessions).map((s) => s.release()));
  }
}
