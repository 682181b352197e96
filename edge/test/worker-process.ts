/**
 * Starts the edge under `wrangler dev` for a test (real workerd, local R2 and KV in a state
 * folder of its own), through the same functions `npm start` uses.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, seedLocalR2, startEdge, waitUntil, type ManagedProcess }
  from '../../scripts/start';

/** The shipped bundles, or another models folder for a test run. */
export const MODELS_DIR = process.env.PIXLOOM_MODELS_DIR
  ?? join(ROOT, 'gpu-service', 'models');

/** Why the tests that need the pixel bundle are skipped, as a test name. */
export const NO_BUNDLE = `needs ${join(MODELS_DIR, 'pixel-ref', 'manifest.json')}: export the `
  + 'pixel-ref bundle first, or set PIXLOOM_MODELS_DIR';

/** Whether the pixel bundle the edge tests need has been exported. */
export function hasPixelBundle(): boolean {
  return existsSync(join(MODELS_DIR, 'pixel-ref', 'manifest.json'));
}

export interface TestEdge {
  url: string;
  graphqlUrl: string;
  process: ManagedProcess;
  stop(): Promise<void>;
}

/** Starts a fresh edge on `port`; seeds its R2 with the edge graphs when `seed` is set. */
export async function startTestEdge(options: {
  port: number;
  gpuUrl: string;
  vars?: Record<string, string>;
  seed: boolean;
  secret?: string;
}): Promise<TestEdge> {
  const persistTo = join(ROOT, '.wrangler', `edge-test-${options.port}`);
  rmSync(persistTo, { recursive: true, force: true });
  if (options.seed) await seedLocalR2({ modelsDir: MODELS_DIR, persistTo });

  const proc = startEdge({
    port: options.port,
    gpuUrl: options.gpuUrl,
    persistTo,
    secret: options.secret,
    vars: { PIXLOOM_TEST_ROUTES: '1', LOG_LEVEL: 'warn', ...options.vars },
  });
  const url = `http://127.0.0.1:${options.port}`;
  const ready = async () => {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
      signal: AbortSignal.timeout(5000),
    });
    return response.status === 200;
  };
  try {
    await waitUntil(ready, proc, 120_000);
  } catch (error) {
    await proc.stop();
    throw error;
  }
  return { url, graphqlUrl: `${url}/graphql`, process: proc, stop: () => proc.stop() };
}
