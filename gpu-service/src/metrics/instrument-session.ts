/**
 * Wraps an onnxruntime session's `run` so every graph call is measured: its latency, its batch
 * size and whether it failed. The pipelines call `session.run` as before and need no change.
 */
import { performance } from 'node:perf_hooks';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { type GpuMetrics, gpuMetrics } from './gpu-metrics.js';

/** The leading axis of the first input tensor, or 1 for a scalar or an empty feed. */
export function batchSizeOf(feeds: unknown): number {
  if (typeof feeds !== 'object' || feeds === null) return 1;
  const first = Object.values(feeds as Record<string, Tensor | undefined>)[0];
  const dims = first?.dims;
  return dims && dims.length > 0 && Number.isFinite(dims[0]) ? Number(dims[0]) : 1;
}

/**
 * Replaces `session.run` with a measured one (once; a second call does nothing).
 *
 * @param bundle the bundle's name, e.g. `pixel-ref`
 * @param graph the graph's key in the manifest, e.g. `lm_step`
 */
export function instrumentSession(
  session: InferenceSession,
  bundle: string,
  graph: string,
  metrics: GpuMetrics = gpuMetrics,
): InferenceSession {
  const marked = session as InferenceSession & { pixloomMeasured?: true };
  if (marked.pixloomMeasured) return session;
  const run = session.run.bind(session) as (...args: unknown[]) => Promise<unknown>;
  const labels = { bundle, graph };
  const measured = async (...args: unknown[]) => {
    metrics.batchSize.observe(labels, batchSizeOf(args[0]));
    const started = performance.now();
    try {
      const out = await run(...args);
      metrics.graphRuns.inc({ ...labels, outcome: 'ok' });
      return out;
    } catch (error) {
      metrics.graphRuns.inc({ ...labels, outcome: 'error' });
      throw error;
    } finally {
      metrics.graphSeconds.observe(labels, (performance.now() - started) / 1000);
    }
  };
  session.run = measured as InferenceSession['run'];
  marked.pixloomMeasured = true;
  return session;
}
