/**
 * Batching benchmark: throughput of 8 pixel requests (`POST /v1/pixel/answer`, image and
 * question in, answer and seg embeddings out) sent at once, against the same 8 requests sent
 * one after another, on gpu-services started here with the default settings.
 * - batchedVsSequential: time of the 8 one after another / time of the 8 at once, with the
 *   default concurrency and dynamic batching.
 * - concurrentVsSequential (detail): the same ratio with batching off (PIXLOOM_MAX_BATCH=1), so
 *   the share of batching and of plain concurrency can be told apart.
 * - sameQuestionBatchedVsSequential (detail): batchedVsSequential when the 8 scenes are all asked
 *   one question. The LM step has no attention mask, so only sequences of equal length share a
 *   batch; with one question they start in step and part only where their answers differ.
 * The requests are the first 8 held-out scenes, each with its first question. The rounds
 * alternate the two orders; the medians are reported, with the 1-minute load average, since
 * other work on the machine moves these times.
 *
 * Run alone: `npx tsx test/bench/batch-bench.ts`.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { encodeFrame, FRAME_CONTENT_TYPE, tensor } from '../../shared/src/frame';
import { createLogger } from '../../shared/src/logger';
import { PIXEL_ANSWER_PATH } from '../../shared/src/wire';
import { loadConfig } from '../../gpu-service/src/config';
import { startGpuService } from '../../gpu-service/src/main';
import type { MuseRecord } from '../../gpu-service/src/pixel/muse';

const ROOT = join(import.meta.dirname, '..', '..');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'pixel-heldout');
const REQUESTS = 8;
const ROUNDS = 7;
const SAME_QUESTION = 'highlight all red things';

export interface BatchBenchResult {
  batchedVsSequential: number;
  detail: Record<string, number>;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** One request per held-out scene: its own first question, or `question` for all. */
function requestBodies(question?: string): Uint8Array[] {
  const records = JSON.parse(readFileSync(join(FIXTURES, 'muse.json'), 'utf8')) as MuseRecord[];
  return records.slice(0, REQUESTS).map((record) => {
    const png = new Uint8Array(readFileSync(join(FIXTURES, record.file_name)));
    const imageId = createHash('sha256').update(png).digest('hex');
    return encodeFrame({ imageId, question: question ?? record.questions[0],
      wantFeatures: false }, [tensor('image', png, [png.length])]);
  });
}

async function send(url: string, body: Uint8Array): Promise<void> {
  const response = await fetch(`${url}${PIXEL_ANSWER_PATH}`, {
    method: 'POST', headers: { 'content-type': FRAME_CONTENT_TYPE }, body,
  });
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`pixel call answered ${response.status}`);
}

/** Median times of the requests one after another and all at once, in ms. */
async function measure(url: string, bodies: Uint8Array[]) {
  const sequential: number[] = [];
  const together: number[] = [];
  const one = async () => {
    const started = performance.now();
    for (const body of bodies) await send(url, body);
    sequential.push(performance.now() - started);
  };
  const all = async () => {
    const started = performance.now();
    await Promise.all(bodies.map((body) => send(url, body)));
    together.push(performance.now() - started);
  };
  await one();
  await all();
  sequential.length = 0;
  together.length = 0;
  for (let round = 0; round < ROUNDS; round++) {
    if (round % 2 === 0) {
      await one();
      await all();
    } else {
      await all();
      await one();
    }
  }
  return { sequential: median(sequential), together: median(together) };
}

async function withService<T>(env: Record<string, string>, modelsDir: string,
  work: (url: string) => Promise<T>): Promise<T> {
  const logger = createLogger({ level: 'error', write: () => undefined });
  const service = await startGpuService(loadConfig({
    PIXLOOM_GPU_PORT: '0', PIXLOOM_MODELS_DIR: modelsDir, PIXLOOM_STORY_BUNDLE: 'none',
    PIXLOOM_LOG_LEVEL: 'error', ...env,
  }), logger);
  try {
    return await work(service.url);
  } finally {
    await service.close();
  }
}

export async function benchBatching(modelsDir: string): Promise<BatchBenchResult> {
  const bodies = requestBodies();
  const loadBefore = loadavg()[0];
  const { batched, sameQuestion } = await withService({}, modelsDir, async (url) => ({
    batched: await measure(url, bodies),
    sameQuestion: await measure(url, requestBodies(SAME_QUESTION)),
  }));
  const plain = await withService({ PIXLOOM_MAX_BATCH: '1' }, modelsDir,
    (url) => measure(url, bodies));
  return {
    batchedVsSequential: batched.sequential / batched.together,
    detail: {
      sequentialMs: batched.sequential,
      batchedConcurrentMs: batched.together,
      unbatchedSequentialMs: plain.sequential,
      unbatchedConcurrentMs: plain.together,
      concurrentVsSequential: plain.sequential / plain.together,
      sameQuestionBatchedVsSequential: sameQuestion.sequential / sameQuestion.together,
      loadAverage1m: Math.max(loadBefore, loadavg()[0]),
    },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const modelsDir = process.env.PIXLOOM_MODELS_DIR ?? join(ROOT, 'gpu-service', 'models');
  benchBatching(modelsDir).then((result) => {
    console.log(`batchedVsSequential ${result.batchedVsSequential.toFixed(3)}   goal ≥ 2.5`);
    console.log(Object.entries(result.detail).map(([k, v]) => `${k} ${v.toFixed(3)}`)
      .join(', '));
  }, (error) => {
    console.error(error);
    process.exit(1);
  });
}
