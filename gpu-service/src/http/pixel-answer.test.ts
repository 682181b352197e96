/**
 * `POST /v1/pixel/answer` over HTTP with the shipped pixel-ref bundle, checked against the same
 * pipeline run in-process on the held-out scenes: the HTTP layer must hand back exactly what
 * the pipeline computed, run only the LM when the image tokens come with the call, and stream
 * the answer's words before the result.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decodeFrame, encodeFrame, type Frame, FRAME_CONTENT_TYPE, type FrameTensor, tensor,
} from '../../../shared/src/frame.js';
import { DEFAULT_IMAGE_LIMITS } from '../../../shared/src/image.js';
import { silentLogger } from '../../../shared/src/logger.js';
import type { PixelAnswerResponse, PixelStreamMeta } from '../../../shared/src/wire.js';
import { DEFAULT_MODELS_DIR, loadConfig } from '../config.js';
import { type RunningGpuService, startGpuService } from '../main.js';
import { PixelPipeline } from '../pixel/pipeline.js';
import { GpuServer } from '../server.js';
import { decodeImage } from './decode-image.js';
import { readFrameStream } from './frame-stream.js';
import type { PixelEngine } from './pixel-engine.js';

const MODELS_DIR = process.env.PIXLOOM_MODELS_DIR ?? DEFAULT_MODELS_DIR;
const BUNDLE = join(MODELS_DIR, 'pixel-ref');
const FIXTURE = join(import.meta.dirname, '..', '..', '..', 'test', 'fixtures', 'pixel-heldout');

interface MuseRecord { file_name: string; questions: string[] }
const scenes = (JSON.parse(readFileSync(join(FIXTURE, 'muse.json'), 'utf8')) as MuseRecord[])
  .slice(0, 4)
  .map((r) => {
    const bytes = new Uint8Array(readFileSync(join(FIXTURE, r.file_name)));
    return { bytes, id: createHash('sha256').update(bytes).digest('hex'), questions: r.questions };
  });

let service: RunningGpuService;
let direct: PixelPipeline;
let encodes = 0;

beforeAll(async () => {
  if (!existsSync(join(BUNDLE, 'manifest.json'))) {
    throw new Error(`${BUNDLE}/manifest.json is missing: these tests run the shipped pixel-ref `
      + 'bundle; export it (see the README) or set PIXLOOM_MODELS_DIR.');
  }
  const config = loadConfig({ PIXLOOM_GPU_PORT: '8813', PIXLOOM_MODELS_DIR: MODELS_DIR });
  service = await startGpuService(config, silentLogger);
  direct = await PixelPipeline.load(BUNDLE);

  // Count encoder runs behind the HTTP layer (the pipeline itself is untouched).
  const engine = service.server.pixel!;
  const counted: PixelEngine = {
    manifest: engine.manifest,
    encode: (image) => {
      encodes++;
      return engine.encode(image);
    },
    answer: (tokens, question, onToken) => engine.answer(tokens, question, onToken),
  };
  service.server.pixel = counted;
});

afterAll(async () => {
  await service?.close();
});

async function post(meta: object, tensors: FrameTensor[], url = service.url) {
  const res = await fetch(`${url}/v1/pixel/answer`, {
    method: 'POST',
    headers: { 'content-type': FRAME_CONTENT_TYPE },
    body: encodeFrame(meta, tensors),
  });
  const bytes = new Uint8Array(await res.arrayBuffer());
  const type = res.headers.get('content-type') ?? '';
  if (type.startsWith('application/json')) {
    return { status: res.status, error: JSON.parse(new TextDecoder().decode(bytes)).error };
  }
  return { status: res.status, frame: decodeFrame<PixelAnswerResponse>(bytes) };
}

function image(bytes: Uint8Array): FrameTensor {
  return tensor('image', bytes, [bytes.length]);
}

/** The answer the pipeline gives in-process for the same bytes and question. */
async function expected(bytes: Uint8Array, question: string) {
  const { image: rgb } = await decodeImage(bytes, DEFAULT_IMAGE_LIMITS);
  const features = await direct.encode(rgb);
  const answer = await direct.answer(features.imageTokens, question);
  return { features, answer, rgb };
}

function segHidden(frame: Frame<PixelAnswerResponse>): number[] {
  return Array.from((frame.tensors.seg_hidden?.data ?? new Float32Array(0)) as Float32Array);
}

describe('POST /v1/pixel/answer with pixel-ref', () => {
  it('is ready and names the bundle', async () => {
    const res = await fetch(`${service.url}/v2/health/ready`);
    expect(res.status).toBe(200);
    const body = await res.json() as { bundles: unknown[] };
    expect(body).toMatchObject({ ready: true, executionProvider: 'cpu' });
    // The story bundle is listed too where it is present.
    expect(body.bundles).toContainEqual(
      { name: 'pixel-ref', kind: 'pixel', version: direct.manifest.version });
  });

  it('returns what the pipeline computes in-process, features included', async () => {
    let targets = 0;
    for (const scene of scenes) {
      const question = scene.questions[0];
      const want = await expected(scene.bytes, question);
      const got = await post({ imageId: scene.id, question, wantFeatures: true },
        [image(scene.bytes)]);
      expect(got.status).toBe(200);
      const { meta, tensors } = got.frame!;

      expect(meta.answer).toBe(want.answer.answer);
      expect(meta.targets).toEqual(want.answer.targets.map((t) => ({ label: t.label })));
      expect(meta.model).toEqual({ name: 'pixel-ref', version: direct.manifest.version });
      expect(meta.image).toEqual({
        width: want.rgb.width, height: want.rgb.height, content: want.features.content,
      });
      expect(meta.encoderRan).toBe(true);
      expect(meta.timings.tokens).toBe(want.answer.timings.tokens);
      expect(meta.timings.totalMs).toBeGreaterThanOrEqual(meta.timings.lmMs);

      const t = want.answer.targets;
      if (t.length > 0) {
        const [codes, hidden] = t[0].segHidden.dims;
        expect(tensors.seg_hidden.dims).toEqual([t.length, codes, hidden]);
        expect(segHidden(got.frame!)).toEqual(t.flatMap((x) => Array.from(x.segHidden.data)));
      } else {
        expect(tensors.seg_hidden).toBeUndefined();
      }
      targets += t.length;
      expect(tensors.image_tokens.dims).toEqual(want.features.imageTokens.dims);
      expect(tensors.features_0.data).toEqual(want.features.features0.data);
      expect(tensors.features_1.data).toEqual(want.features.features1.data);
    }
    expect(targets).toBeGreaterThan(0);
  });

  it('runs only the LM when the call carries cached image tokens', async () => {
    const scene = scenes[1];
    const first = await post({ imageId: scene.id, question: scene.questions[0],
      wantFeatures: true }, [image(scene.bytes)]);
    const tokens = first.frame!.tensors.image_tokens;

    const before = encodes;
    for (const question of scene.questions) {
      const want = await expected(scene.bytes, question);
      const got = await post({ imageId: scene.id, question, wantFeatures: true }, [tokens]);
      expect(got.status).toBe(200);
      expect(got.frame!.meta).toMatchObject({
        answer: want.answer.answer, encoderRan: false, image: null,
        timings: { encodeMs: 0 },
      });
      expect(segHidden(got.frame!)).toEqual(
        want.answer.targets.flatMap((x) => Array.from(x.segHidden.data)));
      expect(Object.keys(got.frame!.tensors)).not.toContain('features_0');
    }
    expect(encodes).toBe(before);
  });

  it('streams the answer words as generated, then the result', async () => {
    const scene = scenes[2];
    const question = scene.questions[0];
    const want = await expected(scene.bytes, question);
    const res = await fetch(`${service.url}/v1/pixel/answer`, {
      method: 'POST',
      headers: { 'content-type': FRAME_CONTENT_TYPE },
      body: encodeFrame({ imageId: scene.id, question, wantFeatures: false, stream: true },
        [image(scene.bytes)]),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-pixloom-frame-stream');

    const frames: Frame<PixelStreamMeta>[] = [];
    for await (const bytes of readFrameStream(res.body as AsyncIterable<Uint8Array>)) {
      frames.push(decodeFrame<PixelStreamMeta>(bytes));
    }
    const words = frames.filter((f) => f.meta.type === 'token')
      .map((f) => (f.meta as { text: string }).text);
    expect(words).toEqual(want.answer.words.filter((w) => w !== '{seg}'));
    const last = frames.at(-1)!;
    expect(frames.slice(0, -1).every((f) => f.meta.type === 'token')).toBe(true);
    expect(last.meta).toMatchObject({
      type: 'result', answer: want.answer.answer, encoderRan: true,
      targets: want.answer.targets.map((t) => ({ label: t.label })),
    });
    expect(Array.from((last.tensors.seg_hidden?.data ?? []) as Float32Array))
      .toEqual(want.answer.targets.flatMap((x) => Array.from(x.segHidden.data)));
  });

  it('refuses malformed calls with a code and a sentence', async () => {
    const scene = scenes[0];
    const meta = { imageId: scene.id, question: 'find the circles', wantFeatures: false };
    const cases: Array<[object, FrameTensor[], number, string, RegExp]> = [
      [{ ...meta, imageId: 'ab'.repeat(32) }, [image(scene.bytes)], 400, 'BAD_REQUEST',
        /bytes hash to [0-9a-f]{64}; send the SHA-256/],
      [meta, [], 400, 'BAD_REQUEST', /exactly one of the tensors "image"/],
      [{ ...meta, question: '  ' }, [image(scene.bytes)], 400, 'BAD_REQUEST', /non-empty/],
      [meta, [tensor('image_tokens', new Float32Array(15), [1, 3, 5])], 400, 'BAD_REQUEST',
        /reads float32 \[1, \d+, \d+\]; send the image instead/],
    ];
    for (const [m, tensors, status, code, message] of cases) {
      const got = await post(m, tensors);
      expect(got.status).toBe(status);
      expect(got.error.code).toBe(code);
      expect(got.error.message).toMatch(message);
    }

    const gif = new TextEncoder().encode('GIF89a\u0001\u0000\u0001\u0000');
    const gifId = createHash('sha256').update(gif).digest('hex');
    const unsupported = await post({ ...meta, imageId: gifId }, [image(gif)]);
    expect(unsupported).toMatchObject({ status: 415, error: { code: 'UNSUPPORTED_IMAGE' } });

    const cut = scene.bytes.slice(0, Math.floor(scene.bytes.length / 2));
    const cutId = createHash('sha256').update(cut).digest('hex');
    const truncated = await post({ ...meta, imageId: cutId }, [image(cut)]);
    expect(truncated).toMatchObject({ status: 400, error: { code: 'BAD_IMAGE' } });
    expect(truncated.error.message).toMatch(/^The PNG image could not be decoded/);

    const junk = await fetch(`${service.url}/v1/pixel/answer`, {
      method: 'POST', headers: { 'content-type': FRAME_CONTENT_TYPE }, body: 'not a frame',
    });
    expect(junk.status).toBe(400);
    const body = (await junk.json()) as { error: { message: string } };
    expect(body.error.message).toBe('The request body cannot be read (not a pixloom frame '
      + '(bad magic)); build it with encodeFrame from shared/src/frame.ts.');
  });

  it('applies the pixel limit before decoding', async () => {
    const small = new GpuServer(loadConfig({
      PIXLOOM_GPU_PORT: '8814', PIXLOOM_MAX_IMAGE_PIXELS: '1000',
    }), silentLogger);
    small.pixel = service.server.pixel;
    await small.listen();
    try {
      const scene = scenes[0];
      const got = await post({ imageId: scene.id, question: 'find the circles',
        wantFeatures: false }, [image(scene.bytes)], small.url);
      expect(got).toMatchObject({ status: 413, error: { code: 'IMAGE_TOO_LARGE' } });
      expect(got.error.message).toMatch(/send at most 1000 pixels/);
    } finally {
      await small.close();
    }
  });
});
