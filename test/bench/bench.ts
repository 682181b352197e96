/**
 * `npm run bench [-- --json]`: starts the gpu-service and the edge on their own ports (as
 * `npm start` does), runs each benchmark on the same inputs and prints ratios. With --json the
 * last line is one JSON object holding every ratio.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, startStack } from '../../scripts/start';
import { benchBatching } from './batch-bench';
import { benchPixel } from './pixel-bench';
import { benchStory } from './story-bench';

const EDGE_PORT = Number(process.env.PIXLOOM_BENCH_EDGE_PORT ?? 18887);
const GPU_PORT = Number(process.env.PIXLOOM_BENCH_GPU_PORT ?? 18890);

const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : String(x));

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const modelsDir = process.env.PIXLOOM_MODELS_DIR ?? join(ROOT, 'gpu-service', 'models');
  const hasPixel = existsSync(join(modelsDir, 'pixel-ref', 'manifest.json'));
  const hasStory = existsSync(join(modelsDir, 'story-ref', 'manifest.json'));
  if (!hasPixel && !hasStory) {
    console.error(`No pixel-ref or story-ref bundle under ${modelsDir}; export them first `
      + '(see README).');
    process.exit(1);
  }
  const persistTo = join(ROOT, '.wrangler', `bench-${EDGE_PORT}`);
  rmSync(persistTo, { recursive: true, force: true });

  console.log('Starting the gpu-service and the edge for the benchmark…');
  const stack = await startStack({
    edgePort: EDGE_PORT, gpuPort: GPU_PORT, modelsDir, persistTo,
    edgeVars: { PIXLOOM_TEST_ROUTES: '1', LOG_LEVEL: 'warn' },
    gpuEnv: { PIXLOOM_LOG_LEVEL: 'warn', ...(hasPixel ? {} : { PIXLOOM_PIXEL_BUNDLE: 'none' }) },
  });
  const ratios: Record<string, number> = {};
  const details: Record<string, Record<string, number>> = {};
  try {
    if (hasPixel) {
      const pixel = await benchPixel(stack, modelsDir);
      Object.assign(ratios, {
        edgeDecodeVsNative: pixel.edgeDecodeVsNative,
        warmVsCold: pixel.warmVsCold,
        graphqlVsPipeline: pixel.graphqlVsPipeline,
      });
      details.segment = pixel.detail;
      const batching = await benchBatching(modelsDir);
      ratios.batchedVsSequential = batching.batchedVsSequential;
      details.batching = batching.detail;
    }
    if (hasStory) {
      const story = await benchStory(stack);
      ratios.csaVsPlain = story.csaVsPlain;
      details.story = story.detail;
    }
  } finally {
    await stack.stop();
  }

  const goals: Record<string, string> = {
    edgeDecodeVsNative: '≤ 1.5', warmVsCold: '≤ 0.05', graphqlVsPipeline: '≤ 1.3',
    csaVsPlain: '(cost of Consistent Self-Attention)', batchedVsSequential: '≥ 2.5',
  };
  console.log('\nratio                  value   goal');
  for (const [key, value] of Object.entries(ratios)) {
    console.log(`${key.padEnd(22)} ${fmt(value).padStart(7)}   ${goals[key] ?? ''}`);
  }
  for (const [group, values] of Object.entries(details)) {
    console.log(`\n${group}: ` + Object.entries(values)
      .map(([k, v]) => `${k} ${fmt(v)}`).join(', '));
  }
  if (json) console.log(JSON.stringify({ ...ratios, details }));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
