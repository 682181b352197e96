import { beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../shared/src/logger';
import { GpuPool, parseUrlList, resetPoolHealth } from './gpu-pool';
import { retryAfterOf } from '../../../shared/src/retry-after';

const quiet = createLogger({ level: 'error', write: () => undefined });
const A = 'http://a:1';
const B = 'http://b:2';

beforeEach(() => resetPoolHealth());

/** An attempt function that answers per URL: a status, 'refuse' or 'hang'. */
function replicas(behaviour: Record<string, number | 'refuse' | 'hang'>) {
  const calls: string[] = [];
  const attempt = (url: string, signal: AbortSignal) => {
    calls.push(url);
    const b = behaviour[url];
    if (b === 'refuse') return Promise.reject(new TypeError('fetch failed'));
    if (b === 'hang') {
      return new Promise<Response>((_, reject) => signal.addEventListener('abort',
        () => reject(signal.reason)));
    }
    return Promise.resolve(new Response(String(url), { status: b }));
  };
  return { attempt, calls };
}

describe('parseUrlList', () => {
  it('splits, trims, drops trailing slashes and duplicates', () => {
    expect(parseUrlList(' http://a:1/, http://b:2 ,http://a:1,, ')).toEqual([A, B]);
  });
});

describe('GpuPool', () => {
  it('spreads calls over healthy URLs in turn', async () => {
    const { attempt, calls } = replicas({ [A]: 200, [B]: 200 });
    const pool = new GpuPool([A, B], quiet);
    for (let i = 0; i < 4; i++) await pool.request(attempt, { idempotent: true });
    expect(calls).toEqual([A, B, A, B]);
  });

  it('retries an idempotent call on another URL, then skips the failing one', async () => {
    const { attempt, calls } = replicas({ [A]: 'refuse', [B]: 200 });
    const pool = new GpuPool([A, B], quiet, { baseDelayMs: 1 });
    expect((await pool.request(attempt, { idempotent: true })).status).toBe(200);
    expect(calls).toEqual([A, B]);
    await pool.request(attempt, { idempotent: true });
    await pool.request(attempt, { idempotent: true });
    expect(calls).toEqual([A, B, B, B]);
  });

  it('gives a call that is not idempotent one attempt', async () => {
    const { attempt, calls } = replicas({ [A]: 'refuse', [B]: 200 });
    const pool = new GpuPool([A, B], quiet);
    await expect(pool.request(attempt, { idempotent: false })).rejects.toMatchObject({
      code: 'UNAVAILABLE' });
    expect(calls).toEqual([A]);
  });

  it('times out a hanging replica and fails fast, with a retry delay, once all are down',
    async () => {
      const { attempt, calls } = replicas({ [A]: 'hang' });
      const pool = new GpuPool([A], quiet, { timeoutMs: 50, cooldownMs: 3000 });
      const error = await pool.request(attempt, { idempotent: true }).catch((e) => e);
      expect(error).toMatchObject({ code: 'UNAVAILABLE' });
      expect(error.message).toMatch(/took longer than 50 ms\); retry in 3 s/);
      expect(retryAfterOf(error)).toBe(3);

      const started = performance.now();
      await expect(pool.request(attempt, { idempotent: true })).rejects.toMatchObject({
        code: 'UNAVAILABLE' });
      expect(performance.now() - started).toBeLessThan(20);
      expect(calls).toEqual([A]);
    });

  it('returns the last 503 when every attempt was refused as busy', async () => {
    const { attempt, calls } = replicas({ [A]: 503, [B]: 503 });
    const pool = new GpuPool([A, B], quiet, { baseDelayMs: 1 });
    const response = await pool.request(attempt, { idempotent: true });
    expect(response.status).toBe(503);
    expect(calls).toEqual([A, B]);
  });
});
