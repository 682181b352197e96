/**
 * `GET /metrics` (Prometheus text exposition) and the per-call counting the server does for
 * every route. Route labels are bounded: a story job id never becomes a label value.
 */
import type { ServerResponse } from 'node:http';
import { type GpuMetrics, gpuMetrics } from './gpu-metrics.js';

export const METRICS_PATH = '/metrics';

const STORY_CANCEL = /^\/v1\/story\/jobs\/[^/]+\/cancel$/;

/**
 * The `route` label of a path: the path itself for the fixed routes, a pattern for the story
 * cancel route, `other` for anything else (unknown paths must not grow the label set).
 */
export function routeLabel(path: string, known: Iterable<string>): string {
  for (const route of known) if (route === path) return path;
  if (STORY_CANCEL.test(path)) return '/v1/story/jobs/:id/cancel';
  return 'other';
}

/** Sends the exposition of `metrics` (every metric, read now). */
export async function sendMetrics(res: ServerResponse, metrics: GpuMetrics = gpuMetrics):
Promise<void> {
  const { contentType, text } = await metrics.scrape();
  const bytes = Buffer.from(text);
  res.writeHead(200, {
    'content-type': contentType,
    'content-length': bytes.length,
    'cache-control': 'no-store',
  });
  res.end(bytes);
}

/**
 * Counts one HTTP call once its answer is sent (or its connection dropped).
 *
 * @param outcome `ok`, or the error code the call was answered with; a streamed call that fails
 *   after its first byte ends its stream with an error frame and still counts as `ok` here (the
 *   story job counter and the logs say how it ended)
 */
export function countCall(
  res: ServerResponse,
  route: string,
  startedMs: number,
  outcome: () => string,
  metrics: GpuMetrics = gpuMetrics,
): void {
  res.once('close', () => {
    metrics.requests.inc({ route, outcome: outcome() });
    metrics.requestSeconds.observe({ route }, (performance.now() - startedMs) / 1000);
  });
}
