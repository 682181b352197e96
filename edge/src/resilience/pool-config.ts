/** Settings of the gpu-service pool, from the Worker's vars (wrangler.toml). */
import type { PoolOptions } from './gpu-pool';
import { DEFAULT_POOL_OPTIONS, parseUrlList } from './gpu-pool';

export interface PoolEnv {
  /** Comma-separated gpu-service base URLs; GPU_SERVICE_URL alone when unset. */
  GPU_SERVICE_URLS?: string;
  GPU_SERVICE_URL?: string;
  /** Time a replica has to answer a pipeline call with headers. @default 30000 */
  GPU_CALL_TIMEOUT_MS?: string;
  /** Attempts per idempotent call over all URLs. @default 3 */
  GPU_CALL_ATTEMPTS?: string;
}

function positive(raw: string | undefined, fallback: number): number {
  const value = Number(raw);
  return raw !== undefined && raw.trim() !== '' && Number.isInteger(value) && value > 0
    ? value : fallback;
}

/** The URL list and options of the pixel pipeline's pool. */
export function readPoolConfig(env: PoolEnv): { urls: string[]; options: PoolOptions } {
  const urls = parseUrlList(env.GPU_SERVICE_URLS?.trim()
    || env.GPU_SERVICE_URL?.trim() || 'http://127.0.0.1:8790');
  return {
    urls,
    options: {
      ...DEFAULT_POOL_OPTIONS,
      timeoutMs: positive(env.GPU_CALL_TIMEOUT_MS, DEFAULT_POOL_OPTIONS.timeoutMs),
      attempts: positive(env.GPU_CALL_ATTEMPTS, DEFAULT_POOL_OPTIONS.attempts),
    },
  };
}
