/**
 * The story job routes over real HTTP against the in-process server and the story-ref bundle:
 * signed calls, the event stream, the bounded queue, cancellation and the per-job timeout.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFrame, encodeFrame, FRAME_CONTENT_TYPE } from '../../../shared/src/frame.js';
import { silentLogger } from '../../../shared/src/logger.js';
import { signRequest } from '../../../shared/src/signing.js';
import {
  storyCancelPath, STORY_JOBS_PATH, type StoryJobSpec, type StoryStreamMeta,
} from '../../../shared/src/story-wire.js';
import { loadConfig } from '../config.js';
import { readFrameStream } from '../http/frame-stream.js';
import { GpuServer } from '../server.js';
import { StoryPipeline } from '../story/pipeline.js';
import { StoryRoutes } from './story-routes.js';

const DIR = process.env.STORY_BUNDLE
  ?? join(import.meta.dirname, '..', '..', 'models', 'story-ref');
const SECRET = 'story-jobs-test-secret-0123456789';
const SPEC: StoryJobSpec = {
  character: 'a girl with a red shirt', seed: 3, steps: 3, framesBetween: 1,
  panels: [{ text: 'waving in the park', caption: 'Hi' }, { text: 'running on the beach' }],
};

describe.skipIf(!existsSync(join(DIR, 'manifest.json')))('story job routes', () => {
  let server: GpuServer;
  let pipeline: StoryPipeline;
  const routes = (maxWaiting: number, timeoutMs: number) =>
    new StoryRoutes(pipeline, { maxWaiting, timeoutMs, name: 'story-ref' });

  beforeAll(async () => {
    server = new GpuServer(loadConfig({ PIXLOOM_GPU_PORT: '8828', PIXLOOM_GPU_SECRET: SECRET }),
      silentLogger);
    server.expects = { pixel: false, story: true };
    pipeline = await StoryPipeline.load(DIR, { intraOpNumThreads: 1 });
    await server.listen();
  });

  afterAll(async () => {
    await server?.close();
  });

  async function post(path: string, meta: unknown, sign = true): Promise<Response> {
    const body = encodeFrame(meta);
    const headers: Record<string, string> = { 'content-type': FRAME_CONTENT_TYPE };
    if (sign) Object.assign(headers, await signRequest(SECRET, 'POST', path, body));
    return fetch(`${server.url}${path}`, { method: 'POST', headers, body });
  }

  async function events(response: Response): Promise<StoryStreamMeta[]> {
    const out: StoryStreamMeta[] = [];
    for await (const bytes of readFrameStream(response.body as AsyncIterable<Uint8Array>)) {
      out.push(decodeFrame<StoryStreamMeta>(bytes).meta);
    }
    return out;
  }

  it('streams accepted, progress, keyframes, frames, page, video, completed', async () => {
    server.story = routes(2, 60_000);
    const response = await post(STORY_JOBS_PATH, { jobId: 'job-complete-1', story: SPEC });
    expect(response.headers.get('content-type')).toBe('application/x-pixloom-frame-stream');
    const types = (await events(response)).map((e) => e.type);
    expect(types[0]).toBe('accepted');
    expect(types.filter((t) => t === 'keyframe')).toHaveLength(2);
    expect(types.filter((t) => t === 'frame')).toHaveLength(3);
    expect(types.slice(-5)).toEqual(['progress', 'page', 'progress', 'video', 'completed']);
  });

  it('refuses unsigned calls and bad specs before any stream', async () => {
    server.story = routes(2, 60_000);
    const unsigned = await post(STORY_JOBS_PATH, { jobId: 'job-unsigned', story: SPEC }, false);
    expect(unsigned.status).toBe(401);
    const bad = await post(STORY_JOBS_PATH, { jobId: 'job-bad-steps', story: { ...SPEC,
      steps: 1000 } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message)
      .toMatch(/steps is 1000/);
  });

  it('answers BUSY with Retry-After when the queue is full, and cancels by id', async () => {
    server.story = routes(0, 60_000);
    const running = await post(STORY_JOBS_PATH, { jobId: 'job-long-1', story: { ...SPEC,
      steps: 80 } });
    expect(running.status).toBe(200);
    const stream = events(running);

    const refused = await post(STORY_JOBS_PATH, { jobId: 'job-refused', story: SPEC });
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('BUSY');

    const cancel = await post(storyCancelPath('job-long-1'), { jobId: 'job-long-1' });
    expect(await cancel.json()).toEqual({ jobId: 'job-long-1', cancelled: true });
    const got = await stream;
    expect(got[got.length - 1]).toEqual({ type: 'cancelled' });
    const steps = got.filter((e) => e.type === 'progress').length;
    expect(steps).toBeLessThan(80);
    const again = await post(storyCancelPath('job-long-1'), { jobId: 'job-long-1' });
    expect(await again.json()).toEqual({ jobId: 'job-long-1', cancelled: false });
  });

  it('stops a job that runs past the per-job timeout', async () => {
    server.story = routes(1, 800);
    const response = await post(STORY_JOBS_PATH, { jobId: 'job-timeout-1', story: { ...SPEC,
      steps: 100 } });
    const got = await events(response);
    expect(got[got.length - 1]).toMatchObject({ type: 'failed', code: 'TIMEOUT' });
  });
});
