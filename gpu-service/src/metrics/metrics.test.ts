/**
 * `GET /metrics` moves with real work: a pixel call through the shipped pixel-ref bundle counts
 * its graph runs, their latency and batch size, and the call by outcome; queued calls show in
 * the queue length while they wait; story jobs are counted by how they end.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { InferenceSession } from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeFrame, FRAME_CONTENT_TYPE, tensor } from '../../../shared/src/frame.js';
import { silentLogger } from '../../../shared/src/logger.js';
import { DEFAULT_MODELS_DIR, loadConfig } from '../config.js';
import type { PixelEngine } from '../http/pixel-engine.js';
import { type RunningGpuService, startGpuService } from '../main.js';
import { StoryJobQueue } from '../story-service/job-queue.js';
import { GpuMetrics, gpuMetrics } from './gpu-metrics.js';
import { batchSizeOf, instrumentSession } from './instrument-session.js';

const MODELS_DIR = process.env.PIXLOOM_MODELS_DIR ?? DEFAULT_MODELS_DIR;
const HAVE_BUNDLE = existsSync(join(MODELS_DIR, 'pixel-ref', 'manifest.json'));
const FIXTURE = join(import.meta.dirname, '..', '..', '..', 'test', 'fixtures', 'pixel-heldout');

/** The value of one sample of the exposition, matched by name and a subset of its labels. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)]
      .map(([, k, v]) => [k, v]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return 0;
}

describe('graph sessions and story jobs are measured', () => {
  it('counts a graph run, its latency and its batch size, and a failed run apart', async () => {
    const metrics = new GpuMetrics({ processMetrics: false });
    let fail = false;
    const fake = {
      run: async (feeds: Record<string, { dims: number[] }>) => {
        await new Promise((r) => setTimeout(r, 5));
        if (fail) throw new Error('graph failed');
        return { out: feeds.x };
      },
    } as unknown as InferenceSession;
    const session = instrumentSession(fake, 'b', 'g', metrics);
    expect(instrumentSession(session, 'b', 'g', metrics)).toBe(session);

    await session.run({ x: { dims: [4, 3] } } as never);
    fail = true;
    await expect(session.run({ x: { dims: [1] } } as never)).rejects.toThrow('graph failed');

    const { text } = await metrics.scrape();
    const g = { bundle: 'b', graph: 'g' };
    expect(sample(text, 'pixloom_graph_runs_total', { ...g, outcome: 'ok' })).toBe(1);
    expect(sample(text, 'pixloom_graph_runs_total', { ...g, outcome: 'error' })).toBe(1);
    expect(sample(text, 'pixloom_graph_run_duration_seconds_count', g)).toBe(2);
    expect(sample(text, 'pixloom_graph_run_duration_seconds_sum', g)).toBeGreaterThan(0.008);
    expect(sample(text, 'pixloom_graph_batch_size_bucket', { ...g, le: '1' })).toBe(1);
    expect(sample(text, 'pixloom_graph_batch_size_bucket', { ...g, le: '4' })).toBe(2);
    expect(sample(text, 'pixloom_graph_batch_size_sum', g)).toBe(5);
  });

  it('reads the batch size from the first input', () => {
    expect(batchSizeOf({ a: { dims: [8, 3, 64, 64] }, b: { dims: [2] } })).toBe(8);
    expect(batchSizeOf({ a: { dims: [] } })).toBe(1);
    expect(batchSizeOf({})).toBe(1);
  });

  it('counts story jobs by outcome: completed, cancelled, timeout, failed, refused', async () => {
    const before = async (outcome: string) =>
      (await gpuMetrics.storyJobs.get()).values.find((v) => v.labels.outcome === outcome)
        ?.value ?? 0;
    const outcomes = ['completed', 'cancelled', 'timeout', 'failed', 'refused'];
    const start = Object.fromEntries(await Promise.all(
      outcomes.map(async (o) => [o, await before(o)] as const)));
    const queue = new StoryJobQueue({ maxWaiting: 1, timeoutMs: 1000 });

    const done = queue.run('job-done-1', async () => 'ok');
    const cancelled = queue.run('job-cancel-1', (c) => new Promise((_, reject) =>
      c.signal.addEventListener('abort', () => reject(c.signal.reason))));
    expect(() => queue.run('job-refused', async () => 'x')).toThrow(/story queue is full/);
    await done;
    queue.cancel('job-cancel-1');
    await expect(cancelled).rejects.toThrow('cancelled');
    const short = new StoryJobQueue({ maxWaiting: 1, timeoutMs: 1000 });
    const slow = short.run('job-slow-1', (c) => new Promise((_, reject) =>
      c.signal.addEventListener('abort', () => reject(c.signal.reason))));
    await expect(slow).rejects.toThrow(/ran past 1 s/);
    await expect(short.run('job-fail-1', async () => {
      throw new Error('broken');
    })).rejects.toThrow('broken');
    await new Promise((r) => setTimeout(r, 0));

    for (const outcome of outcomes) {
      expect([outcome, await before(outcome) - start[outcome]]).toEqual([outcome, 1]);
    }
  });
});

describe.skipIf(!HAVE_BUNDLE)('GET /metrics after real pixel calls (needs pixel-ref)', () => {
  let service: RunningGpuService;
  const scene = new Uint8Array(readFileSync(join(FIXTURE, 'scene-000.png')));
  const imageId = createHash('sha256').update(scene).digest('hex');

  beforeAll(async () => {
    const config = loadConfig({ PIXLOOM_GPU_PORT: '8841', PIXLOOM_MODELS_DIR: MODELS_DIR,
      PIXLOOM_STORY_BUNDLE: 'none-here' });
    service = await startGpuService(config, silentLogger);
  });

  afterAll(async () => {
    await service?.close();
  });

  const scrape = async () => {
    const res = await fetch(`${service.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    return res.text();
  };

  const ask = (body: Uint8Array) => fetch(`${service.url}/v1/pixel/answer`, {
    method: 'POST', headers: { 'content-type': FRAME_CONTENT_TYPE }, body,
  });

  const call = (question: string) => encodeFrame(
    { imageId, question, wantFeatures: false },
    [tensor('image', scene, [scene.length])]);

  it('moves the graph, call and latency counters after one pixel call', async () => {
    const before = await scrape();
    const res = await ask(call('highlight all red things'));
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    const bad = await ask(new Uint8Array([1, 2, 3]));
    expect(bad.status).toBe(400);
    await bad.arrayBuffer();
    const after = await scrape();

    const delta = (name: string, labels: Record<string, string> = {}) =>
      sample(after, name, labels) - sample(before, name, labels);
    const pixel = { bundle: 'pixel-ref' };
    const route = { route: '/v1/pixel/answer' };
    expect(delta('pixloom_requests_total', { ...route, outcome: 'ok' })).toBe(1);
    expect(delta('pixloom_requests_total', { ...route, outcome: 'BAD_REQUEST' })).toBe(1);
    expect(delta('pixloom_request_duration_seconds_count', route)).toBe(2);
    expect(delta('pixloom_graph_runs_total',
      { ...pixel, graph: 'image_encoder', outcome: 'ok' })).toBe(1);
    expect(delta('pixloom_graph_runs_total',
      { ...pixel, graph: 'lm_step', outcome: 'ok' })).toBeGreaterThanOrEqual(2);
    expect(delta('pixloom_graph_run_duration_seconds_count',
      { ...pixel, graph: 'image_encoder' })).toBe(1);
    expect(delta('pixloom_graph_run_duration_seconds_sum',
      { ...pixel, graph: 'image_encoder' })).toBeGreaterThan(0);
    expect(delta('pixloom_graph_batch_size_bucket',
      { ...pixel, graph: 'image_encoder', le: '1' })).toBe(1);
    expect(sample(after, 'pixloom_queue_length', { queue: 'pixel' })).toBe(0);
    expect(sample(after, 'pixloom_bundle_info',
      { ...pixel, kind: 'pixel', execution_provider: 'cpu' })).toBe(1);
    expect(sample(after, 'process_cpu_seconds_total')).toBeGreaterThan(0);
  });

  it('shows calls waiting behind a running one in the queue length', async () => {
    const engine = service.server.pixel!;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const running = new Promise<void>((r) => (entered = r));
    const held: PixelEngine = {
      manifest: engine.manifest,
      encode: async (image) => {
        entered();
        await gate;
        return engine.encode(image);
      },
      answer: (tokens, question, onToken) => engine.answer(tokens, question, onToken),
    };
    service.server.pixel = held;
    try {
      const calls = [0, 1, 2].map(() => ask(call('count the stars')));
      await running;
      await new Promise((r) => setTimeout(r, 50));
      expect(sample(await scrape(), 'pixloom_queue_length', { queue: 'pixel' })).toBe(3);
      release();
      const answers = await Promise.all(calls);
      expect(answers.map((r) => r.status)).toEqual([200, 200, 200]);
      await Promise.all(answers.map((r) => r.arrayBuffer()));
      expect(sample(await scrape(), 'pixloom_queue_length', { queue: 'pixel' })).toBe(0);
    } finally {
      service.server.pixel = engine;
    }
  });
});
