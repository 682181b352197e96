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
 * - sequentialCpuMs, batchedConcurrentCpuMs (detail): CPU time of this process (client and
 *   services) for the two passes, which other work on the machine moves far less than wall time.
 * The requests are the first 8 held-out scenes, each with its first question. Both services run
 * side by side and every round runs every pass in a rotated order; the medians are reported,
 * with the 1-minute load average, since other work on the machine moves these times.
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
import { type RunningGpuService, startGpuService } from '../../gpu-service/src/main';
import type { MuseRecord } from '../../gpu-service/src/pixel/muse';

const ROOT = join(import.meta.dirname, '..', '..');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'pixel-heldout');
const REQUESTS = 8;
const ROUNDS = 11;
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

/** A pass: the requests one after another or all at once, on one service. */
interface Pass {
  name: string;
  url: string;
  bodies: Uint8Array[];
  together: boolean;
}

/** Wall time and this process's CPU time (the services run in it), in ms. */
async function runPass(pass: Pass): Promise<{ wall: number; cpu: number }> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  if (pass.together) await Promise.all(pass.bodies.map((body) => send(pass.url, body)));
  else for (const body of pass.bodies) await send(pass.url, body);
  const used = process.cpuUsage(cpu);
  return { wall: performance.now() - started, cpu: (used.user + used.system) / 1000 };
}

/**
 * Median wall time of each pass, and median CPU time as `<name>Cpu`, in ms. Every round runs
 * every pass, in an order rotated from round to round, so a change in the machine's load falls
 * on all of them alike.
 */
async function measure(passes: Pass[]): Promise<Record<string, number>> {
  const times: Record<string, number[]> = {};
  for (const pass of passes) {
    times[pass.name] = [];
    times[`${pass.name}Cpu`] = [];
    await runPass(pass);
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < passes.length; i++) {
      const pass = passes[(i + round) % passes.length];
      const { wall, cpu } = await runPass(pass);
      times[pass.name].push(wall);
      times[`${pass.name}Cpu`].push(cpu);
    }
  }
  return Object.fromEntries(Object.entries(times).map(([name, ms]) => [name, median(ms)]));
}

async function startService(env: Record<string, string>, modelsDir: string):
Promise<RunningGpuService> {
  const logger = createLogger({ level: 'error', write: () => undefined });
  return startGpuService(loadConfig({
    PIXLOOM_GPU_PORT: '0', PIXLOOM_MODELS_DIR: modelsDir, PIXLOOM_STORY_BUNDLE: 'none',
    PIXLOOM_LOG_LEVEL: 'error', ...env,
  }), logger);
}

export async function benchBatching(modelsDir: string): Promise<BatchBenchResult> {
  const mixed = requestBodies();
  const same = requestBodies(SAME_QUESTION);
  const loadBefore = loadavg()[0];
  const batched = await startService({}, modelsDir);
  const plain = await startService({ PIXLOOM_MAX_BATCH: '1' }, modelsDir);
  let ms: Record<string, number>;
  try {
    const pass = (name: string, url: string, bodies: Uint8Array[], together: boolean) =>
      ({ name, url, bodies, together });
    ms = await measure([
      pass('sequential', batched.url, mixed, false),
      pass('batched', batched.url, mixed, true),
      pass('unbatchedSequential', plain.url, mixed, false),
      pass('unbatched', plain.url, mixed, true),
      pass('sameQuestionSequential', batched.url, same, false),
      pass('sameQuestionBatched', batched.url, same, true),
    ]);
  } finally {
    await batched.close();
    await plain.close();
  }
  return {
    batchedVsSequential: ms.sequential / ms.batched,
    detail: {
      sequentialMs: ms.sequential,
      batchedConcurrentMs: ms.batched,
      sequentialCpuMs: ms.sequentialCpu,
      batchedConcurrentCpuMs: ms.batchedCpu,
      unbatchedSequentialMs: ms.unbatchedSequential,
      unbatchedConcurrentMs: ms.unbatched,
      concurrentVsSequential: ms.unbatchedSequential / ms.unbatched,
      sameQuestionBatchedVsSequential: ms.sameQuestionSequential / ms.sameQuestionBatched,
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
