/**
 * The gpu-service's Prometheus metrics, in the text exposition format at `GET /metrics`
 * (prom-client). Named like an inference server's: per-graph run latency and batch sizes, queue
 * lengths, calls and story jobs counted by outcome, plus Node's process metrics.
 *
 * One registry per process ({@link gpuMetrics}): sessions, queues and routes all report into it
 * wherever they are created, so no metrics object has to be passed through the pipelines.
 */
import {
  Counter, collectDefaultMetrics, Gauge, Histogram, Registry,
} from 'prom-client';

/** Seconds: from a sub-millisecond decoder step to a long diffusion call. */
const LATENCY_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
];

/** Seconds for whole HTTP calls, up to a story job of minutes. */
const REQUEST_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/** Seconds a call waits for its batch: from nothing to a few queue delays. */
const QUEUE_DELAY_BUCKETS = [0.0001, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.1];

const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128];

/** How a story job ended: it finished, failed, or was stopped (see StopReason). */
export type StoryJobOutcome = 'completed' | 'failed' | 'cancelled' | 'timeout' | 'client-gone'
  | 'refused';

export interface GpuMetricsOptions {
  /** Also export Node's process metrics (`process_*`, `nodejs_*`). @default true */
  processMetrics?: boolean;
}

export class GpuMetrics {
  readonly registry = new Registry();

  /** `pixloom_graph_run_duration_seconds{bundle,graph}`: one onnxruntime `run`. */
  readonly graphSeconds: Histogram<'bundle' | 'graph'>;

  /** `pixloom_graph_runs_total{bundle,graph,outcome}`: `ok` or `error`. */
  readonly graphRuns: Counter<'bundle' | 'graph' | 'outcome'>;

  /** `pixloom_graph_batch_size{bundle,graph}`: the leading axis of a run's first input. */
  readonly batchSize: Histogram<'bundle' | 'graph'>;

  /** `pixloom_batch_queue_delay_seconds{bundle,graph}`: a call's wait for its dynamic batch. */
  readonly batchQueueSeconds: Histogram<'bundle' | 'graph'>;

  /** `pixloom_requests_total{route,outcome}`: `ok` or the error code of the answer. */
  readonly requests: Counter<'route' | 'outcome'>;

  /** `pixloom_request_duration_seconds{route}`: from the request to the end of the answer. */
  readonly requestSeconds: Histogram<'route'>;

  /** `pixloom_story_jobs_total{outcome}`. */
  readonly storyJobs: Counter<'outcome'>;

  /** `pixloom_queue_length{queue}`: calls waiting or running, read at scrape time. */
  readonly queueLength: Gauge<'queue'>;

  /** `pixloom_bundle_info{bundle,kind,version,execution_provider}`: 1 per loaded bundle. */
  readonly bundleInfo: Gauge<'bundle' | 'kind' | 'version' | 'execution_provider'>;

  private readonly queues = new Map<string, () => number>();

  constructor(options: GpuMetricsOptions = {}) {
    const registers = [this.registry];
    this.graphSeconds = new Histogram({
      name: 'pixloom_graph_run_duration_seconds',
      help: 'Time of one ONNX graph run (onnxruntime InferenceSession.run), by bundle and graph.',
      labelNames: ['bundle', 'graph'], buckets: LATENCY_BUCKETS, registers,
    });
    this.graphRuns = new Counter({
      name: 'pixloom_graph_runs_total',
      help: 'ONNX graph runs by bundle, graph and outcome (ok or error).',
      labelNames: ['bundle', 'graph', 'outcome'], registers,
    });
    this.batchSize = new Histogram({
      name: 'pixloom_graph_batch_size',
      help: 'Batch size of each graph run: the leading axis of its first input.',
      labelNames: ['bundle', 'graph'], buckets: BATCH_BUCKETS, registers,
    });
    this.batchQueueSeconds = new Histogram({
      name: 'pixloom_batch_queue_delay_seconds',
      help: 'Time a graph call waited in the dynamic batcher before its batch ran.',
      labelNames: ['bundle', 'graph'], buckets: QUEUE_DELAY_BUCKETS, registers,
    });
    this.requests = new Counter({
      name: 'pixloom_requests_total',
      help: 'HTTP calls by route and outcome (ok, or the error code of the answer).',
      labelNames: ['route', 'outcome'], registers,
    });
    this.requestSeconds = new Histogram({
      name: 'pixloom_request_duration_seconds',
      help: 'Time from an HTTP call\'s arrival to the end of its answer, by route.',
      labelNames: ['route'], buckets: REQUEST_BUCKETS, registers,
    });
    this.storyJobs = new Counter({
      name: 'pixloom_story_jobs_total',
      help: 'Story jobs by outcome: completed, failed, cancelled, timeout, client-gone, refused.',
      labelNames: ['outcome'], registers,
    });
    const queues = this.queues;
    this.queueLength = new Gauge({
      name: 'pixloom_queue_length',
      help: 'Calls waiting or running in each queue (pixel calls, story jobs).',
      labelNames: ['queue'], registers,
      collect() {
        for (const [queue, size] of queues) this.set({ queue }, size());
      },
    });
    this.bundleInfo = new Gauge({
      name: 'pixloom_bundle_info',
      help: 'Loaded model bundles: 1 for each bundle, version and execution provider.',
      labelNames: ['bundle', 'kind', 'version', 'execution_provider'], registers,
    });
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /**
   * Reports a queue's length at every scrape. A later call with the same name replaces the
   * earlier one (the newest server's queue is the one that serves).
   */
  watchQueue(queue: string, size: () => number): void {
    this.queues.set(queue, size);
  }

  /** Counts a story job once `job` settles; `reason` says why a rejected job stopped. */
  countStoryJob(job: Promise<unknown>, reason: () => string | null): void {
    job.then(
      () => this.storyJobs.inc({ outcome: 'completed' }),
      () => this.storyJobs.inc({ outcome: reason() ?? 'failed' }),
    );
  }

  /** The exposition: content type and text. */
  async scrape(): Promise<{ contentType: string; text: string }> {
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }
}

/** The process's registry; `GET /metrics` serves it. */
export const gpuMetrics = new GpuMetrics();
