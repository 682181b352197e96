/**
 * A bounded load test on loopback: many concurrent `segment` calls through the edge in
 * workerd, first cold (every question new: the gpu-service is called) and then cached (the
 * same questions: answered from KV), plus concurrent uploads. It asserts that no call gets a
 * 5xx or an error, and that the Worker isolate's heap stays under its 128 MB. A fake
 * gpu-service with a fixed delay stands in for the pipeline, so the figures measure the edge.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, seedLocalR2 } from '../../scripts/start';
import { startHardeningEdge, type HardeningEdge } from './edge-process';
import { codeOf, sendJson, sendUpload, type Answer } from './http';
import { isolateHeap } from './isolate-heap';
import { FakeGpuService, writeStandInBundle } from './stand-in';

const EDGE_PORT = 8831;
const INSPECTOR_PORT = 8833;
const SECRET = 'hardening-load-secret-0123456789';
/** Calls per phase, and how many are in flight at once. */
const CALLS = 300;
const CONCURRENCY = 50;
const ISOLATE_LIMIT_BYTES = 128 * 1024 * 1024;
const UPLOAD = 'mutation ($file: File!) { uploadImage(file: $file) { id } }';
const SEGMENT = 'query ($id: ID!, $q: String!) { segment(imageId: $id, question: $q) '
  + '{ answer cached { answer } } }';
const PNG = new Uint8Array(readFileSync(join(ROOT, 'test', 'fixtures', 'bad-inputs', 'ok.png')));

const gpu = new FakeGpuService(8834, SECRET);
let edge: HardeningEdge;
let imageId: string;

interface Phase {
  name: string;
  calls: number;
  statuses: Record<number, number>;
  errors: number;
  p50: number;
  p95: number;
  max: number;
  perSecond: number;
  heapMb: number;
  /** Distinct error messages, with their codes. */
  messages: string[];
}
const phases: Phase[] = [];

/** Runs `count` calls, `CONCURRENCY` at a time, and summarises them. */
async function run(name: string, count: number, send: (i: number) => Promise<Answer>,
  check: (answer: Answer, i: number) => boolean): Promise<Phase> {
  const times: number[] = [];
  const statuses: Record<number, number> = {};
  let errors = 0;
  let next = 0;
  const messages = new Set<string>();
  const started = performance.now();
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const t0 = performance.now();
      const answer = await send(i);
      times.push(performance.now() - t0);
      statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
      if (codeOf(answer) !== null || !check(answer, i)) {
        errors++;
        const first = answer.body?.errors?.[0];
        messages.add(`${codeOf(answer)}: ${first?.message ?? JSON.stringify(answer.body)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (performance.now() - started) / 1000;
  times.sort((a, b) => a - b);
  const at = (q: number) => Math.round(times[Math.min(times.length - 1,
    Math.floor(q * times.length))]);
  const heap = await isolateHeap(INSPECTOR_PORT);
  const phase = { name, calls: count, statuses, errors, p50: at(0.5), p95: at(0.95),
    max: Math.round(times[times.length - 1]), perSecond: Math.round(count / seconds),
    heapMb: Math.round(heap.usedBytes / 1e5) / 10, messages: [...messages] };
  phases.push(phase);
  return phase;
}

const segment = (i: number) => sendJson(edge.graphqlUrl, { query: SEGMENT,
  variables: { id: imageId, q: `where is shape number ${i}?` } });

beforeAll(async () => {
  gpu.delayMs = 20;
  await gpu.start();
  edge = await startHardeningEdge({ port: EDGE_PORT, gpuUrl: gpu.url, secret: SECRET,
    inspectorPort: INSPECTOR_PORT, vars: { PIXLOOM_AUTH: 'off' } });
  await seedLocalR2({ modelsDir: writeStandInBundle(), persistTo: edge.persistTo });
  const uploaded = await sendUpload(edge.graphqlUrl, UPLOAD,
    { bytes: PNG, name: 'ok.png', type: 'image/png' });
  imageId = uploaded.body?.data?.uploadImage.id;
});

afterAll(async () => {
  await edge?.stop();
  await gpu.stop();
  // The figures of this run, for the record.
  for (const p of phases) {
    console.log(`${p.name}: ${p.calls} calls, ${CONCURRENCY} at once, statuses `
      + `${JSON.stringify(p.statuses)}, errors ${p.errors}, p50 ${p.p50} ms, p95 ${p.p95} ms, `
      + `max ${p.max} ms, ${p.perSecond}/s, isolate heap ${p.heapMb} MB`
      + (p.messages.length ? `; errors: ${p.messages.join(' | ')}` : ''));
  }
});

describe(`load: ${CALLS} segment calls per phase, ${CONCURRENCY} concurrent`, () => {
  it('cold: every question new, every one answered by the gpu-service, no 5xx', async () => {
    const phase = await run('segment cold', CALLS, segment, (a) =>
      a.body?.data?.segment.cached.answer === false);
    expect(phase.statuses).toEqual({ 200: CALLS });
    expect(phase.errors).toBe(0);
    expect(gpu.calls).toBe(CALLS);
    expect(gpu.signedOk).toBe(CALLS);
    expect(phase.heapMb * 1e6).toBeLessThan(ISOLATE_LIMIT_BYTES);
  });

  it('cached: the same questions again, answered from the cache, no 5xx', async () => {
    const phase = await run('segment cached', CALLS, segment, (a) =>
      a.body?.data?.segment.cached.answer === true);
    expect(phase.statuses).toEqual({ 200: CALLS });
    expect(phase.errors).toBe(0);
    expect(gpu.calls).toBe(CALLS);
    expect(phase.heapMb * 1e6).toBeLessThan(ISOLATE_LIMIT_BYTES);
  });

  it('uploads: the same image and 24 × 16 PNGs, concurrently, no 5xx', async () => {
    const phase = await run('uploadImage', CALLS, () => sendUpload(edge.graphqlUrl, UPLOAD,
      { bytes: PNG, name: 'ok.png', type: 'image/png' }), (a) =>
      a.body?.data?.uploadImage.id === imageId);
    expect(phase.statuses).toEqual({ 200: CALLS });
    expect(phase.errors).toBe(0);
    expect(phase.heapMb * 1e6).toBeLessThan(ISOLATE_LIMIT_BYTES);
  });
});
