/**
 * Faults behind the edge (workerd): gpu-service replicas that are down, hang, or refuse with
 * BUSY. `segment` must fail fast with a code and a retry delay, or be answered by a healthy
 * replica, and the edge must keep answering afterwards. Fake gpu-services stand in for the
 * real one (they check the edge's signatures as it does); the decoder is never run.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, seedLocalR2 } from '../../scripts/start';
import { startHardeningEdge, type HardeningEdge } from './edge-process';
import { codeOf, sendJson, sendUpload } from './http';
import { FakeGpuService, writeStandInBundle } from './stand-in';

const SECRET = 'hardening-faults-secret-0123456789';
const DOWN = 'http://127.0.0.1:8839';
const UPLOAD = 'mutation ($file: File!) { uploadImage(file: $file) { id } }';
const SEGMENT = 'query ($id: ID!, $q: String!) { segment(imageId: $id, question: $q) '
  + '{ answer cached { answer } } }';
const PNG = new Uint8Array(readFileSync(join(ROOT, 'test', 'fixtures', 'bad-inputs', 'ok.png')));

const switchable = new FakeGpuService(8834, SECRET);
const hanging = new FakeGpuService(8835, SECRET);
const healthy = new FakeGpuService(8836, SECRET);
let single: HardeningEdge;
let pooled: HardeningEdge;
let question = 0;

async function startSeeded(port: number, urls: string, timeoutMs: number) {
  const edge = await startHardeningEdge({ port, gpuUrl: urls.split(',')[0], secret: SECRET,
    vars: { GPU_SERVICE_URLS: urls, GPU_CALL_TIMEOUT_MS: String(timeoutMs),
      PIXLOOM_AUTH: 'off' } });
  await seedLocalR2({ modelsDir: writeStandInBundle(), persistTo: edge.persistTo });
  return edge;
}

async function segment(edge: HardeningEdge) {
  const uploaded = await sendUpload(edge.graphqlUrl, UPLOAD,
    { bytes: PNG, name: 'ok.png', type: 'image/png' });
  const started = performance.now();
  // A new question each time, so the answer cache never hides the gpu-service.
  const answer = await sendJson(edge.graphqlUrl, { query: SEGMENT,
    variables: { id: uploaded.body?.data?.uploadImage.id, q: `where is shape ${question++}?` } });
  return { answer, ms: performance.now() - started };
}

beforeAll(async () => {
  hanging.mode = 'hang';
  await Promise.all([switchable.start(), hanging.start(), healthy.start()]);
  single = await startSeeded(8837, switchable.url, 1500);
  pooled = await startSeeded(8838, [DOWN, hanging.url, healthy.url].join(','), 1500);
});

afterAll(async () => {
  await Promise.all([single?.stop(), pooled?.stop()]);
  await Promise.all([switchable.stop(), hanging.stop(), healthy.stop()]);
});

describe('one gpu-service', () => {
  it('answers through it while it is up, with every call signed', async () => {
    const { answer } = await segment(single);
    expect(codeOf(answer)).toBeNull();
    expect(answer.body?.data?.segment.answer).toBe('nothing here (answered by 8834)');
    expect(switchable.signedOk).toBe(switchable.calls);
  });

  it('passes BUSY on with its Retry-After', async () => {
    switchable.mode = 'busy';
    const { answer } = await segment(single);
    expect(codeOf(answer)).toBe('BUSY');
    expect(answer.body?.errors?.[0]?.extensions?.retryAfter).toBe(7);
    expect(answer.headers.get('retry-after')).toBe('7');
    expect(answer.body?.errors?.[0]?.message).toMatch(/retry after 7 s/);
  });

  it('fails with UNAVAILABLE after the per-call timeout when it hangs', async () => {
    switchable.mode = 'hang';
    await new Promise((r) => setTimeout(r, 8000)); // the cool-down of the BUSY answers
    const { answer, ms } = await segment(single);
    expect(codeOf(answer)).toBe('UNAVAILABLE');
    expect(answer.body?.errors?.[0]?.message).toMatch(/took longer than 1500 ms.*retry in \d+ s/);
    expect(ms).toBeLessThan(6000);
  });

  it('fails fast with UNAVAILABLE and a retry delay when it is down, then recovers', async () => {
    await switchable.stop();
    await new Promise((r) => setTimeout(r, 16_500));
    const first = await segment(single);
    expect(codeOf(first.answer)).toBe('UNAVAILABLE');
    expect(first.answer.body?.errors?.[0]?.message).toMatch(/refused the connection.*retry in/);
    expect(Number(first.answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(first.ms).toBeLessThan(3000);

    const skipped = await segment(single);
    expect(codeOf(skipped.answer)).toBe('UNAVAILABLE');
    expect(skipped.ms).toBeLessThan(1000);

    switchable.mode = 'answer';
    await switchable.start();
    const retryAfter = Number(skipped.answer.headers.get('retry-after'));
    await new Promise((r) => setTimeout(r, retryAfter * 1000 + 200));
    const back = await segment(single);
    expect(codeOf(back.answer)).toBeNull();
  });
});

describe('several gpu-services (GPU_SERVICE_URLS)', () => {
  it('answers through the healthy one while the others are down or hang', async () => {
    const results = [];
    for (let i = 0; i < 6; i++) results.push(await segment(pooled));
    for (const { answer } of results) {
      expect(codeOf(answer)).toBeNull();
      expect(answer.body?.data?.segment.answer).toBe('nothing here (answered by 8836)');
    }
    // Once the failing replicas are cooling down, calls go straight to the healthy one.
    expect(Math.max(...results.slice(3).map((r) => r.ms))).toBeLessThan(1000);
    expect(hanging.calls).toBeLessThanOrEqual(2);
    expect(healthy.signedOk).toBe(healthy.calls);
  });
});
