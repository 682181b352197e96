/**
 * `npm run eval:story [-- --json] [--bundle DIR] [--stories N] [--steps N] [--rate R]
 *   [--gate paper|always] [--identity N] [--settings plain,sharedSeed,csa,csaIndependent]
 *   [--out DIR] [--threads N]`
 *
 * Runs the bundle's held-out stories through the TypeScript pipeline and prints identity
 * consistency (independent seeds, shared seed, shared seed with Consistent Self-Attention,
 * Consistent Self-Attention alone), prompt faithfulness and motion quality; writes PNG grids
 * to out/story-eval/. With --json the last line is one JSON object with every figure.
 */
import { join, resolve } from 'node:path';
import { loadEvalStories, loadMotionClips } from './eval-set.js';
import { evaluateMotion } from './motion-eval.js';
import { StoryPipeline } from './pipeline.js';
import { writePngGrid } from './png-grid.js';
import { EVAL_SETTINGS, evaluateStories } from './story-eval.js';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const round = (x: number) => Math.round(x * 1000) / 1000;
const roundAll = (o: Record<string, number>) =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k, round(v)]));

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const dir = resolve(option('bundle', 'gpu-service/models/story-ref'));
  const out = resolve(option('out', 'out/story-eval'));
  const settings = option('settings', Object.keys(EVAL_SETTINGS).join(',')).split(',');
  const threads = Number(option('threads', '2'));
  const say = (line: string) => { if (!json) console.log(line); else console.error(line); };

  const pipeline = await StoryPipeline.load(dir, { intraOpNumThreads: threads });
  const stories = (await loadEvalStories(dir, pipeline.settings))
    .slice(0, Number(option('stories', '24')));
  say(`story eval: ${stories.length} stories × ${settings.join(', ')} (${pipeline.version})`);

  const gate = option('gate', 'always') as 'paper' | 'always';
  const storyResult = await evaluateStories(pipeline, stories, {
    steps: Number(option('steps', String(pipeline.settings.scheduler.steps))),
    rate: Number(option('rate', String(pipeline.settings.consistentAttention.defaultRate))),
    identityPanels: Number(option('identity', '2')),
    gate, settings,
    onStory: (setting, story) => say(`  ${setting} story ${story.id}`),
  });
  for (const name of settings) {
    await writePngGrid(join(out, `${name}.png`), storyResult.keyframes[name].slice(0, 8));
  }

  const clips = await loadMotionClips(dir, pipeline.settings);
  const motion = await evaluateMotion(pipeline.graphs, clips);
  await writePngGrid(join(out, 'motion.png'), motion.rows);

  const report = {
    bundle: pipeline.version,
    stories: stories.length,
    gate,
    consistency: roundAll(storyResult.consistency),
    faithfulness: roundAll(storyResult.faithfulness),
    consistencyByAttribute: Object.fromEntries(Object.entries(storyResult.byAttribute)
      .map(([k, v]) => [k, roundAll(v)])),
    motion: { predictor: round(motion.predictor), linear: round(motion.linear),
      autoencoder: round(motion.autoencoder), unit: 'mean abs pixel error, 0-1' },
    seconds: Math.round(storyResult.seconds),
    grids: out,
  };
  say('identity consistency of open attributes (pairs of panels that agree):');
  for (const [k, v] of Object.entries(report.consistency)) say(`  ${k.padEnd(15)} ${v}`);
  say('prompt faithfulness (prompted attributes, action and setting found):');
  for (const [k, v] of Object.entries(report.faithfulness)) say(`  ${k.padEnd(15)} ${v}`);
  say(`motion, mean abs pixel error: predictor ${report.motion.predictor}, linear `
    + `${report.motion.linear}, autoencoder round trip ${report.motion.autoencoder}`);
  say(`grids: ${out}/{${settings.join(',')},motion}.png`);
  if (json) console.log(JSON.stringify(report));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
