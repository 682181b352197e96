/**
 * Pipeline calls spread over several gpu-service replicas. Each call goes to the next healthy
 * URL (round robin); a URL that refuses connections, times out or answers 503 is skipped for a
 * cool-down that doubles with each failure in a row; idempotent calls are retried on another
 * URL after an exponential, jittered backoff. When no URL is usable the call fails at once
 * with `UNAVAILABLE` and the seconds until one may be again.
 *
 * Health is isolate-wide and holds plain numbers only (no promise crosses requests).
 */
import { PixloomError } from '../../../shared/src/errors';
import type { Logger } from '../../../shared/src/logger';
import { withRetryAfter } from '../../../shared/src/retry-after';

export interface PoolOptions {
  /** Attempts per idempotent call, over all URLs. @default 3 */
  attempts: number;
  /** First backoff; doubled per attempt, with ±50% jitter. @default 100 */
  baseDelayMs: number;
  /** Time allowed for a replica to answer with headers. @default 30000 */
  timeoutMs: number;
  /** First cool-down of a failing URL; doubles per failure in a row, up to 16×. @default 2000 */
  cooldownMs: number;
}

export const DEFAULT_POOL_OPTIONS: Readonly<PoolOptions> = {
  attempts: 3,
  baseDelayMs: 100,
  timeoutMs: 30_000,
  cooldownMs: 2000,
};

interface Health {
  failures: number;
  /** Epoch ms until which the URL is skipped. */
  downUntil: number;
}

/** Per isolate: URL → health. */
const health = new Map<string, Health>();
let nextIndex = 0;

/** Parses a comma-separated list of base URLs (trailing slashes dropped, duplicates merged). */
export function parseUrlList(raw: string): string[] {
  const urls = raw.split(',').map((u) => u.trim().replace(/\/+$/, '')).filter((u) => u !== '');
  return [...new Set(urls)];
}

/** Forgets every URL's health (tests). */
export function resetPoolHealth(): void {
  health.clear();
  nextIndex = 0;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What one attempt sends: called with a base URL and a signal that ends the attempt. */
export type Attempt = (baseUrl: string, signal: AbortSignal) => Promise<Response>;

export class GpuPool {
  private readonly options: PoolOptions;

  constructor(
    readonly urls: string[],
    private readonly logger: Logger,
    options: Partial<PoolOptions> = {},
  ) {
    if (urls.length === 0) throw new Error('GpuPool needs at least one gpu-service URL');
    this.options = { ...DEFAULT_POOL_OPTIONS, ...options };
  }

  /** URLs to try now: healthy ones from the round-robin position, then none of the others. */
  private usable(now: number): string[] {
    const start = nextIndex++ % this.urls.length;
    const ordered = [...this.urls.slice(start), ...this.urls.slice(0, start)];
    return ordered.filter((url) => (health.get(url)?.downUntil ?? 0) <= now);
  }

  private markFailed(url: string, why: string): void {
    const h = health.get(url) ?? { failures: 0, downUntil: 0 };
    h.failures += 1;
    const cooldown = this.options.cooldownMs * 2 ** Math.min(h.failures - 1, 4);
    h.downUntil = Date.now() + cooldown;
    health.set(url, h);
    this.logger.warn('gpu-service skipped', { url, why, failures: h.failures, cooldownMs:
      cooldown });
  }

  private markHealthy(url: string): void {
    health.delete(url);
  }

  private unavailable(why: string): PixloomError {
    const now = Date.now();
    const soonest = Math.min(...this.urls.map((u) => health.get(u)?.downUntil ?? now));
    const seconds = Math.max(1, Math.ceil((soonest - now) / 1000));
    return withRetryAfter(new PixloomError('UNAVAILABLE', `No gpu-service is answering `
      + `(${why}); retry in ${seconds} s. If it persists, start the gpu-service (npm start `
      + 'does) or point GPU_SERVICE_URLS at running ones.'), seconds);
  }

  /**
   * Sends a call. `idempotent` calls are retried on other URLs after a connection failure, a
   * timeout or a 503; others get one attempt. Answers other than 503 are returned as they are.
   *
   * @throws PixloomError `UNAVAILABLE` (with a retry delay) when no attempt got an answer
   */
  async request(attempt: Attempt, options: { idempotent: boolean; signal?: AbortSignal })
    : Promise<Response> {
    const tries = options.idempotent ? this.options.attempts : 1;
    let last: Response | null = null;
    let why = 'every gpu-service URL failed recently';

    for (let i = 0; i < tries; i++) {
      const [url] = this.usable(Date.now());
      if (!url) break;
      if (i > 0) {
        const delay = this.options.baseDelayMs * 2 ** (i - 1) * (0.5 + Math.random());
        await sleep(delay);
      }
      if (options.signal?.aborted) throw options.signal.reason;

      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(new Error('timeout')),
        this.options.timeoutMs);
      const onAbort = () => controller.abort(options.signal?.reason);
      options.signal?.addEventListener('abort', onAbort, { once: true });
      try {
        const response = await attempt(url, controller.signal);
        if (response.status !== 503) {
          this.markHealthy(url);
          return response;
        }
        last?.body?.cancel().catch(() => undefined);
        last = response;
        why = `${url} is busy or not ready`;
        this.markFailed(url, 'answered 503');
      } catch (cause) {
        if (options.signal?.aborted) throw cause;
        const timedOut = controller.signal.aborted;
        why = timedOut ? `${url} took longer than ${this.options.timeoutMs} ms`
          : `${url} refused the connection`;
        this.markFailed(url, timedOut ? 'timeout' : 'unreachable');
      } finally {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
      }
    }
    if (last) return last;
    throw this.unavailable(why);
  }
}
