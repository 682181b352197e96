/**
 * The pixel pipeline on the committed pixel-ref bundle through the dynamic batcher: eight
 * concurrent requests give the answers and seg embeddings of the same requests run one by one,
 * and the image encoder and LM steps really ran in merged batches.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBundle } from '../bundle.js';
import { gpuMetrics } from '../metrics/gpu-metrics.js';
import { loadMuse, readRgbImage } from '../pixel/muse.js';
import { type PixelAnswer, PixelPipeline, type RgbImage } from '../pixel/pipeline.js';
import { BatchingExecutor, batchableGraphs } from './dynamic-batcher.js';
import { type Feeds, type GraphExecutor, SessionExecutor } from './graph-executor.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const BUNDLE = join(ROOT, 'gpu-service', 'models', 'pixel-ref');
const FIXTURE = join(ROOT, 'test', 'fixtures', 'pixel-heldout', 'muse.json');

/** Records the leading axis of every run per graph. */
class CountingExecutor extends SessionExecutor {
  readonly batches: Record<string, number[]> = {};

  override run(graph: string, feeds: Feeds): Promise<Feeds> {
    (this.batches[graph] ??= []).push(Object.values(feeds)[0].dims[0]);
    return super.run(graph, feeds);
  }
}

async function ask(pipeline: PixelPipeline, image: RgbImage, question: string):
Promise<PixelAnswer> {
  const features = await pipeline.encode(image);
  return pipeline.answer(features.imageTokens, question);
}

function maxRelativeError(a: Float32Array, b: Float32Array): number {
  let scale = 0;
  let diff = 0;
  for (let i = 0; i < a.length; i++) {
    scale = Math.max(scale, Math.abs(a[i]));
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
  }
  return diff / Math.max(scale, 1e-6);
}

describe.skipIf(!existsSync(join(BUNDLE, 'manifest.json')))('batched pixel pipeline', () => {
  let plain: PixelPipeline;
  let batched: PixelPipeline;
  let counting: CountingExecutor;
  let cases: Array<{ image: RgbImage; question: string }>;

  beforeAll(async () => {
    plain = await PixelPipeline.load(BUNDLE);
    const bundle = await loadBundle(BUNDLE);
    counting = new CountingExecutor(bundle.sessions);
    const executor: GraphExecutor = new BatchingExecutor(counting,
      batchableGraphs(bundle.manifest), { maxBatch: 8, maxQueueDelayMs: 5 }, 'pixel-ref');
    batched = await PixelPipeline.load(BUNDLE, { executor });
    const records = (await loadMuse(FIXTURE)).slice(0, 8);
    cases = await Promise.all(records.map(async (r) => ({
      image: await readRgbImage(r.imagePath),
      question: r.questions[0],
    })));
  });
  afterAll(async () => {
    await plain?.release();
    await batched?.release();
  });

  it('gives each concurrent request the answer it gets alone', async () => {
    const alone: PixelAnswer[] = [];
    for (const c of cases) alone.push(await ask(plain, c.image, c.question));
    const together = await Promise.all(cases.map((c) => ask(batched, c.image, c.question)));

    together.forEach((answer, i) => {
      expect(answer.answer).toBe(alone[i].answer);
      expect(answer.targets.map((t) => t.label)).toEqual(alone[i].targets.map((t) => t.label));
      answer.targets.forEach((t, j) => {
        expect(t.segHidden.dims).toEqual(alone[i].targets[j].segHidden.dims);
        expect(maxRelativeError(t.segHidden.data, alone[i].targets[j].segHidden.data))
          .toBeLessThan(1e-4);
      });
    });
    expect(together.reduce((n, a) => n + a.targets.length, 0)).toBeGreaterThan(8);

    const encoder = counting.batches.image_encoder;
    expect(encoder.reduce((a, b) => a + b, 0)).toBe(8);
    expect(encoder.length).toBeLessThan(8);
    expect(Math.max(...counting.batches.lm_step)).toBeGreaterThan(1);

    // /metrics shows the merged runs: some lm_step runs had more than one row.
    const { text } = await gpuMetrics.scrape();
    const lmRuns = (series: string) => Number(new RegExp(`pixloom_graph_batch_size_${series}`
      + '\\{(?:le="1",)?bundle="pixel-ref",graph="lm_step"\\} (\\d+)').exec(text)?.[1]);
    expect(lmRuns('bucket')).toBeLessThan(lmRuns('count'));
  }, 60_000);
});
