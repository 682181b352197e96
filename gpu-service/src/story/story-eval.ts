/**
 * Runs the held-out stories through the pipeline in several settings and measures identity
 * consistency of the open attributes and prompt faithfulness with the bundle's classifier.
 */
import { fromRgb } from './images.js';
import {
  type EvalStory, mean, type Readout, storyConsistency, storyFaithfulness,
} from './measures.js';
import type { StoryPipeline } from './pipeline.js';
import type { StoryRequest } from './story-request.js';
import type { RgbImage } from './types.js';

export interface EvalSetting {
  noise: 'shared' | 'independent';
  consistent: boolean;
}

/**
 * plain: every panel from its own seed, plain self-attention; sharedSeed: one seed for all
 * panels; csa: one seed and Consistent Self-Attention; csaIndependent: Consistent
 * Self-Attention alone, each panel from its own seed.
 */
export const EVAL_SETTINGS: Record<string, EvalSetting> = {
  plain: { noise: 'independent', consistent: false },
  sharedSeed: { noise: 'shared', consistent: false },
  csa: { noise: 'shared', consistent: true },
  csaIndependent: { noise: 'independent', consistent: true },
};

export interface StoryEvalOptions {
  steps?: number;
  guidance?: number;
  rate: number;
  identityPanels: number;
  gate: StoryRequest['gate'];
  settings: string[];
  onStory?: (setting: string, story: EvalStory, keyframes: RgbImage[]) => void;
}

export interface StoryEvalResult {
  consistency: Record<string, number>;
  faithfulness: Record<string, number>;
  /** Consistency per open attribute and setting. */
  byAttribute: Record<string, Record<string, number>>;
  keyframes: Record<string, RgbImage[][]>;
  seconds: number;
}

/** Class names the classifier reads on each keyframe. */
export async function readKeyframes(pipeline: StoryPipeline, keyframes: RgbImage[]):
Promise<Readout> {
  const idx = await pipeline.graphs.classify(fromRgb(keyframes), keyframes.length);
  const out: Readout = {};
  for (const head of pipeline.settings.classifier.heads) {
    out[head.name] = idx[head.name].map((i) => head.classes[i]);
  }
  return out;
}

export async function evaluateStories(
  pipeline: StoryPipeline, stories: EvalStory[], opts: StoryEvalOptions,
): Promise<StoryEvalResult> {
  const started = Date.now();
  const result: StoryEvalResult = {
    consistency: {}, faithfulness: {}, byAttribute: {}, keyframes: {}, seconds: 0,
  };
  for (const name of opts.settings) {
    const setting = EVAL_SETTINGS[name];
    const cons: number[] = [];
    const faith: number[] = [];
    const perAttr: Record<string, number[]> = {};
    result.keyframes[name] = [];
    for (const story of stories) {
      const { keyframes } = await pipeline.generate({
        character: story.character, panels: story.panels.map((p) => ({ text: p.text })),
        seed: story.seed, steps: opts.steps, guidance: opts.guidance, noise: setting.noise,
        consistentAttention: { enabled: setting.consistent, rate: opts.rate },
        identityPanels: opts.identityPanels, gate: opts.gate,
      }, () => undefined);
      const read = await readKeyframes(pipeline, keyframes);
      cons.push(storyConsistency(story, read));
      faith.push(storyFaithfulness(story, read));
      for (const a of story.open) {
        const labels = read[a];
        const agree = storyConsistency({ ...story, open: [a] }, { [a]: labels });
        (perAttr[a] ??= []).push(agree);
      }
      result.keyframes[name].push(keyframes);
      opts.onStory?.(name, story, keyframes);
    }
    result.consistency[name] = mean(cons);
    result.faithfulness[name] = mean(faith);
    result.byAttribute[name] = Object.fromEntries(
      Object.entries(perAttr).map(([a, v]) => [a, mean(v)]));
  }
  result.seconds = (Date.now() - started) / 1000;
  return result;
}
