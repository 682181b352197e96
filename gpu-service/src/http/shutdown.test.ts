import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeFrame, FRAME_CONTENT_TYPE, tensor } from '../../../shared/src/frame.js';
import { createLogger } from '../../../shared/src/logger.js';
import type { BundleManifest } from '../../../shared/src/manifest.js';
import { PIXEL_ANSWER_PATH } from '../../../shared/src/wire.js';
import { loadConfig } from '../config.js';
import { GpuServer } from '../server.js';
import type { PixelEngine } from './pixel-engine.js';

// Graceful shutdown (shutdown.ts) and the full-queue refusal, against the real server.

const ROOT = join(import.meta.dirname, '..', '..', '..');
const PNG = new Uint8Array(readFileSync(join(ROOT, 'test', 'fixtures', 'bad-inputs', 'ok.png')));
const PNG_ID = createHash('sha256').update(PNG).digest('hex');
const PORT = 8833;
const quiet = createLogger({ level: 'error', write: () => undefined });

/** An engine whose language model takes `answerMs`. */
function slowEngine(answerMs: number): PixelEngine {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'test', 'hardening',
    'engine-manifest.json'), 'utf8')) as BundleManifest;
  const zeros = (dims: number[]) => ({ data: new Float32Array(dims.reduce((a, b) => a * b)),
    dims });
  return {
    manifest,
    encode: async () => ({ imageTokens: zeros([1, 4, 8]), features0: zeros([1, 32, 8, 8]),
      features1: zeros([1, 32, 16, 16]), content: { width: 64, height: 43 } }),
    answer: async () => {
      await new Promise((r) => setTimeout(r, answerMs));
      return { answer: 'nothing here', targets: [], timings: { encodeMs: 1, lmMs: answerMs,
        tokens: 3 } };
    },
  };
}

function call(question: string): Promise<Response> {
  const body = encodeFrame({ imageId: PNG_ID, question, wantFeatures: false },
    [tensor('image', PNG, [PNG.length])]);
  return fetch(`http://127.0.0.1:${PORT}${PIXEL_ANSWER_PATH}`, { method: 'POST', body,
    headers: { 'content-type': FRAME_CONTENT_TYPE } });
}

let server: GpuServer | null = null;

/** A server that runs one pixel call at a time, so the timings below are sums of calls. */
async function start(answerMs: number, maxQueue = 32): Promise<GpuServer> {
  server = new GpuServer(loadConfig({ PIXLOOM_GPU_PORT: String(PORT),
    PIXLOOM_MAX_QUEUE: String(maxQueue), PIXLOOM_PIXEL_CONCURRENCY: '1' }), quiet);
  server.pixel = slowEngine(answerMs);
  await server.listen();
  return server;
}

afterEach(async () => {
  server?.server.closeAllConnections();
  server?.server.close();
  server = null;
});

describe('graceful shutdown', () => {
  it('stops taking calls, finishes the running ones, then closes', async () => {
    const gpu = await start(600);
    const running = [call('where is the first?'), call('where is the second?')];
    await new Promise((r) => setTimeout(r, 150));

    const started = performance.now();
    const closing = gpu.close(5000);
    // A new connection is refused; a kept-alive one is closed or answered 503.
    const late = await call('and now?').then((r) => r.status, () => 'refused');
    expect([503, 'refused']).toContain(late);

    const answers = await Promise.all(running);
    expect(answers.map((r) => r.status)).toEqual([200, 200]);
    await closing;
    // Both calls ran one after the other (600 ms each) before the server closed.
    expect(performance.now() - started).toBeGreaterThan(900);
  });

  it('closes after the grace period when a call runs too long', async () => {
    const gpu = await start(4000);
    const running = call('where is the slow one?').then((r) => r.status, () => 'dropped');
    await new Promise((r) => setTimeout(r, 150));
    const started = performance.now();
    await gpu.close(300);
    expect(performance.now() - started).toBeLessThan(1500);
    expect(await running).toBe('dropped');
  });
});

describe('a full queue', () => {
  it('answers BUSY at once, with Retry-After, while the queued calls are served', async () => {
    await start(300, 1);
    const started = performance.now();
    const responses = await Promise.all(Array.from({ length: 5 }, (_, i) =>
      call(`where is number ${i}?`).then(async (r) => ({ status: r.status,
        retryAfter: r.headers.get('retry-after'),
        body: r.status === 503 ? await r.json() : await r.arrayBuffer(),
        ms: performance.now() - started }))));
    const busy = responses.filter((r) => r.status === 503);
    expect(responses.filter((r) => r.status === 200)).toHaveLength(2);
    expect(busy).toHaveLength(3);
    for (const r of busy) {
      expect((r.body as { error: { code: string } }).error.code).toBe('BUSY');
      expect(Number(r.retryAfter)).toBeGreaterThanOrEqual(1);
      expect(r.ms).toBeLessThan(250);
    }
  });
});
