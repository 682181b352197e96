/**
 * The gpu-service's own KServe v2 server on 127.0.0.1, and the pixel pipeline run through the
 * remote executor against it: the same answers as the local executor, binary and JSON tensors,
 * and v2-style error bodies for protocol errors.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../shared/src/logger.js';
import { signRequest } from '../../../shared/src/signing.js';
import { loadConfig } from '../config.js';
import { gpuMetrics } from '../metrics/gpu-metrics.js';
import { type RunningGpuService, startGpuService } from '../main.js';
import { loadMuse, readRgbImage } from '../pixel/muse.js';
import { PixelPipeline, type RgbImage } from '../pixel/pipeline.js';
import { KServeError, KServeExecutor } from './kserve-executor.js';
import { HEADER_LENGTH } from './kserve-protocol.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const BUNDLE = join(ROOT, 'gpu-service', 'models', 'pixel-ref');
const FIXTURE = join(ROOT, 'test', 'fixtures', 'pixel-heldout', 'muse.json');
const SECRET = 'kserve-test-secret-0123456789';

async function ask(pipeline: PixelPipeline, image: RgbImage, question: string) {
  const features = await pipeline.encode(image);
  const answer = await pipeline.answer(features.imageTokens, question);
  const masks = await pipeline.decode(answer.targets, features);
  return { features, answer, masks };
}

function closeTo(a: Float32Array, b: Float32Array): boolean {
  return a.length === b.length && a.every((v, i) => Math.abs(v - b[i]) <= 1e-4
    * Math.max(1, Math.abs(b[i])));
}

describe.skipIf(!existsSync(join(BUNDLE, 'manifest.json')))('KServe v2', () => {
  let service: RunningGpuService;
  let local: PixelPipeline;
  let remote: PixelPipeline;
  let url: string;

  beforeAll(async () => {
    service = await startGpuService(loadConfig({
      PIXLOOM_GPU_PORT: '0', PIXLOOM_SERVE_MODELS: '1', PIXLOOM_STORY_BUNDLE: 'none',
      PIXLOOM_GPU_SECRET: SECRET,
      // Long enough for concurrent calls of one test to meet in a batch on a busy machine.
      PIXLOOM_MAX_QUEUE_DELAY_MS: '25',
    }), silentLogger);
    url = service.url;
    local = await PixelPipeline.load(BUNDLE);
    const executor = new KServeExecutor(url, { secret: SECRET });
    remote = await PixelPipeline.load(BUNDLE, { executor });
    await executor.check(remote.manifest);
  }, 60_000);
  afterAll(async () => {
    await local?.release();
    await remote?.release();
    await service?.close();
  });

  it('runs the pixel pipeline remotely with the answers of the local executor', async () => {
    const records = (await loadMuse(FIXTURE)).slice(0, 3);
    for (const record of records) {
      const image = await readRgbImage(record.imagePath);
      const question = record.questions[0];
      const here = await ask(local, image, question);
      const there = await ask(remote, image, question);
      expect(there.answer.answer).toBe(here.answer.answer);
      expect(there.answer.answer.length).toBeGreaterThan(0);
      expect(there.answer.targets.map((t) => t.label))
        .toEqual(here.answer.targets.map((t) => t.label));
      expect(closeTo(there.features.imageTokens.data, here.features.imageTokens.data)).toBe(true);
      expect(there.masks.maskLogits.dims).toEqual(here.masks.maskLogits.dims);
      expect(closeTo(there.masks.maskLogits.data, here.masks.maskLogits.data)).toBe(true);
      expect(closeTo(there.masks.scores, here.masks.scores)).toBe(true);
    }
  }, 60_000);

  it('serves model metadata and readiness by graph name', async () => {
    const meta = await (await fetch(`${url}/v2/models/pixel_decoder`)).json();
    expect(meta).toMatchObject({
      name: 'pixel_decoder', platform: 'onnxruntime_onnx', versions: [remote.manifest.version],
      inputs: [{ name: 'seg_hidden', datatype: 'FP32', shape: [-1, 6, 128] },
        { name: 'features_0', datatype: 'FP32', shape: [1, 64, 8, 8] },
        { name: 'features_1', datatype: 'FP32', shape: [1, 64, 16, 16] }],
    });
    const ready = await fetch(`${url}/v2/models/lm_step/versions/${remote.manifest.version}`
      + '/ready');
    expect(await ready.json()).toEqual({ name: 'lm_step', ready: true });
    expect((await fetch(`${url}/v2/health/ready`)).status).toBe(200);
    expect(await (await fetch(`${url}/v2`)).json()).toMatchObject({
      extensions: ['binary_tensor_data'] });
  });

  it('answers JSON tensors with JSON outputs, and only the outputs asked for', async () => {
    const response = await fetch(`${url}/v2/models/image_encoder/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'q1', inputs: [{ name: 'pixel_values', datatype: 'FP32',
        shape: [1, 3, 64, 64], data: new Array(3 * 64 * 64).fill(0.5) }],
      outputs: [{ name: 'image_tokens' }] }),
    });
    // A secret is set, so an unsigned inference call is refused.
    expect(response.status).toBe(401);
    expect(Object.keys(await response.json())).toEqual(['error']);

    const executor = new KServeExecutor(url, { secret: SECRET });
    const pixels = new Float32Array(3 * 64 * 64).fill(0.5);
    const { image_tokens: viaBinary } = await executor.run('image_encoder', {
      pixel_values: new ort.Tensor('float32', pixels, [1, 3, 64, 64]),
    });
    const signed = await signedJson(url, '/v2/models/image_encoder/infer', {
      id: 'q1', inputs: [{ name: 'pixel_values', datatype: 'FP32', shape: [1, 3, 64, 64],
        data: Array.from(pixels) }], outputs: [{ name: 'image_tokens' }],
    });
    expect(signed.status).toBe(200);
    expect(signed.headers.get(HEADER_LENGTH)).toBeNull();
    const body = await signed.json() as { outputs: Array<{ name: string; shape: number[];
      data: number[] }> };
    expect(body).toMatchObject({ model_name: 'image_encoder', id: 'q1',
      model_version: remote.manifest.version });
    expect(body.outputs.map((o: { name: string }) => o.name)).toEqual(['image_tokens']);
    expect(body.outputs[0].shape).toEqual([1, 16, 128]);
    expect(closeTo(Float32Array.from(body.outputs[0].data), viaBinary.data as Float32Array))
      .toBe(true);
  });

  it('answers the good calls of a merged batch when one call fails inside the graph',
    async () => {
      const executor = new KServeExecutor(url, { secret: SECRET });
      const prefill = (firstToken: bigint) => {
        const feeds: Record<string, ort.Tensor> = {
          image_tokens: new ort.Tensor('float32', new Float32Array(16 * 128).fill(0.1),
            [1, 16, 128]),
          input_ids: new ort.Tensor('int64', BigInt64Array.from([firstToken, 1n, 3n]), [1, 3]),
        };
        for (let i = 0; i < 5; i++) {
          for (const kv of ['key', 'value']) {
            feeds[`past_${kv}_${i}`] = new ort.Tensor('float32', new Float32Array(0),
              [1, 4, 0, 32]);
          }
        }
        return feeds;
      };
      // Same shapes, so the three calls meet in one batch; token 100000 is outside the vocabulary.
      const mergedBefore = await mergedLmRuns();
      const results = await Promise.allSettled([1n, 100_000n, 12n]
        .map((token) => executor.run('lm_step', prefill(token))));
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ status: 500 });
      const localRun = new KServeExecutor(url, { secret: SECRET });
      const alone = await localRun.run('lm_step', prefill(12n));
      const together = (results[2] as PromiseFulfilledResult<Record<string, ort.Tensor>>).value;
      expect(await mergedLmRuns()).toBeGreaterThan(mergedBefore);
      expect(together.logits.dims).toEqual([1, 16 + 3, 87]);
      expect(closeTo(together.logits.data as Float32Array, alone.logits.data as Float32Array))
        .toBe(true);
    });

  it('answers protocol errors with a v2 error body', async () => {
    const cases: Array<[string, object, number, RegExp]> = [
      ['/v2/models/no_such_graph/infer', { inputs: [] }, 404, /unknown model "no_such_graph"/],
      ['/v2/models/image_encoder/infer', { inputs: [{ name: 'pixel_values', datatype: 'FP32',
        shape: [1, 3, 32, 32], data: new Array(3 * 32 * 32).fill(0) }] }, 400,
      /pixel_values has shape \[1, 3, 32, 32\]; the model takes \[-1, 3, 64, 64\]/],
      ['/v2/models/image_encoder/infer', { inputs: [{ name: 'pixel_values', datatype: 'INT64',
        shape: [1, 3, 64, 64], data: new Array(3 * 64 * 64).fill(0) }] }, 400,
      /pixel_values is FP32, not INT64/],
      ['/v2/models/image_encoder/infer', { inputs: [{ name: 'pixel_values', datatype: 'FP32',
        shape: [1, 3, 64, 64], data: [1, 2] }] }, 400, /data has 2 elements/],
      ['/v2/models/image_encoder/infer', { inputs: [] }, 400, /missing pixel_values/],
      ['/v2/models/image_encoder/versions/9/infer', { inputs: [] }, 404, /no version "9"/],
    ];
    for (const [path, request, status, message] of cases) {
      const response = await signedJson(url, path, request);
      expect(response.status, path).toBe(status);
      const body = await response.json() as { error: string };
      expect(Object.keys(body)).toEqual(['error']);
      expect(body.error).toMatch(message);
    }
    const executor = new KServeExecutor(url, { secret: SECRET });
    await expect(executor.run('lm_step', {})).rejects.toBeInstanceOf(KServeError);
    expect((await fetch(`${url}/v2/models/lm_step/infer`)).status).toBe(405);
  });
});

/** lm_step runs of more than two rows so far, from /metrics' batch size histogram. */
async function mergedLmRuns(): Promise<number> {
  const { text } = await gpuMetrics.scrape();
  const value = (series: string) => Number(new RegExp(`pixloom_graph_batch_size_${series}`
    + '\\{(?:le="2",)?bundle="pixel-ref",graph="lm_step"\\} (\\d+)').exec(text)?.[1]);
  return value('count') - value('bucket');
}

async function signedJson(base: string, path: string, request: object): Promise<Response> {
  const body = new TextEncoder().encode(JSON.stringify(request));
  return fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json',
      ...await signRequest(SECRET, 'POST', path, body) },
    body,
  });
}
