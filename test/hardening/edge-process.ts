/**
 * Starts an edge under `wrangler dev` for the hardening tests, ready once `/health` answers
 * (the GraphQL endpoint may need a key), with local state in a folder of its own.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, startEdge, waitUntil, type LineSink, type ManagedProcess }
  from '../../scripts/start';

export interface HardeningEdge {
  url: string;
  graphqlUrl: string;
  persistTo: string;
  process: ManagedProcess;
  stop(): Promise<void>;
}

/** A fresh edge on `port` whose gpu-service URL list is `gpuUrl`. */
export async function startHardeningEdge(options: {
  port: number;
  gpuUrl: string;
  vars?: Record<string, string>;
  secret?: string;
  /** Opens the DevTools inspector of the Worker here (heap measurements). */
  inspectorPort?: number;
  /** Gets each line the edge prints (its JSON log lines among them). */
  sink?: LineSink;
}): Promise<HardeningEdge> {
  const persistTo = join(ROOT, '.wrangler', `edge-test-${options.port}`);
  rmSync(persistTo, { recursive: true, force: true });
  const proc = startEdge({ port: options.port, gpuUrl: options.gpuUrl, persistTo,
    secret: options.secret, inspectorPort: options.inspectorPort, sink: options.sink,
    vars: { LOG_LEVEL: 'warn', ...options.vars } });
  const url = `http://127.0.0.1:${options.port}`;
  const ready = async () => (await fetch(`${url}/health`,
    { signal: AbortSignal.timeout(5000) })).status === 200;
  try {
    await waitUntil(ready, proc, 120_000);
  } catch (error) {
    await proc.stop();
    throw error;
  }
  return { url, graphqlUrl: `${url}/graphql`, persistTo, process: proc,
    stop: () => proc.stop() };
}
