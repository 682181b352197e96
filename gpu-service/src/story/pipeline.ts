/**
 * StoryPipeline: a character and a script of panels become consistent keyframes, then frames
 * between them. Identity panels are generated together with Consistent Self-Attention across
 * them; later panels one at a time, reading the identity panels' stored hidden states; the
 * motion predictor fills in frames between consecutive keyframes.
 */
import { type ExecutionProvider, loadBundle } from '../bundle.js';
import { type Logger, silentLogger } from '../../../shared/src/logger.js';
import { denoise, type IdentityStore } from './denoise.js';
import { toRgb } from './images.js';
import { deriveSeed, Prng } from './prng.js';
import { DdimScheduler } from './scheduler.js';
import { concatFrames, frameOf, latentTensor, StoryGraphs } from './story-graphs.js';
import { storySettings, type StorySettings } from './story-manifest.js';
import {
  panelPrompt, type ResolvedStoryRequest, resolveStoryRequest, type StoryRequest,
} from './story-request.js';
import { WordTokenizer } from './tokenizer.js';
import type { RgbImage, Tensor32 } from './types.js';

export type { StoryRequest } from './story-request.js';
export type { RgbImage, Tensor32 } from './types.js';

export type StoryEvent =
  | { type: 'progress'; stage: 'identity' | 'panels' | 'frames'; step: number; of: number }
  | { type: 'keyframe'; index: number; image: RgbImage; latent: Tensor32; caption?: string }
  | { type: 'frame'; index: number; image: RgbImage; latent: Tensor32 };

export interface StoryTimings {
  seed: number;
  textMs: number;
  identityMs: number;
  panelsMs: number;
  framesMs: number;
  totalMs: number;
}

export interface StoryResult {
  keyframes: RgbImage[];
  /** The video: keyframes with the predicted frames between them (empty without frames). */
  frames: RgbImage[];
  timings: StoryTimings;
}

export interface StoryPipelineOptions {
  logger?: Logger;
  executionProvider?: ExecutionProvider;
  intraOpNumThreads?: number;
}

type OnEvent = (e: StoryEvent) => void | Promise<void>;

export class StoryPipeline {
  private constructor(
    readonly graphs: StoryGraphs,
    readonly tokenizer: WordTokenizer,
    readonly settings: StorySettings,
    readonly version: string,
    private readonly logger: Logger,
  ) {}

  /** Loads and verifies a story bundle folder (e.g. gpu-service/models/story-ref). */
  static async load(dir: string, opts: StoryPipelineOptions = {}): Promise<StoryPipeline> {
    const bundle = await loadBundle(dir, opts);
    const settings = storySettings(bundle.manifest);
    const vocab = bundle.vocabulary as { words: string[] };
    const special = bundle.manifest.vocabulary?.special ?? {};
    const tokenizer = new WordTokenizer({
      words: vocab.words, maxTokens: settings.text.maxTokens,
      special: { pad: special.pad, bos: special.bos, eos: special.eos, unk: special.unk },
    });
    return new StoryPipeline(new StoryGraphs(bundle.sessions, settings), tokenizer, settings,
      bundle.manifest.version, opts.logger ?? silentLogger);
  }

  /** Text states per prompt, `[maxTokens, dim]` each. */
  async encodePrompts(prompts: string[]): Promise<Float32Array[]> {
    const ctx = await this.graphs.encodeText(this.tokenizer.encodeBatch(prompts), prompts.length);
    const per = this.settings.text.maxTokens * this.settings.text.dim;
    return prompts.map((_, i) => frameOf(ctx, i, per));
  }

  private noiseFor(r: ResolvedStoryRequest, panel: number): Float32Array {
    const { channels, height, width } = this.settings.latent;
    const stream = r.noise === 'shared' ? 0 : panel + 1;
    return new Prng(deriveSeed(r.seed, stream)).normals(channels * height * width);
  }

  private async decode(latents: Float32Array[]): Promise<RgbImage[]> {
    const images = await this.graphs.decode(concatFrames(latents), latents.length);
    return latents.map((_, i) => toRgb(images, i, this.settings.image.size));
  }

  /** Runs the whole story; checks `signal` between scheduler steps. */
  async generate(req: StoryRequest, onEvent: OnEvent, signal?: AbortSignal):
  Promise<StoryResult> {
    const started = Date.now();
    const sch = this.settings.scheduler;
    const r = resolveStoryRequest(req, {
      steps: sch.steps, guidance: sch.guidance, rate: this.settings.consistentAttention.defaultRate,
    });
    const unknown = this.tokenizer.unknownWords(`${r.character} ${r.panels.map((p) => p.text)}`);
    if (unknown.length > 0) this.logger.debug('words outside the vocabulary', { unknown });
    signal?.throwIfAborted();

    const n = r.panels.length;
    const nId = r.identityPanels;
    const scheduler = new DdimScheduler(sch, r.steps);
    const prompts = r.panels.map((p) => panelPrompt(r.character, p.text));
    const [uncond, ...cond] = await this.encodePrompts(['', ...prompts]);
    const textMs = Date.now() - started;
    const rng = new Prng(deriveSeed(r.seed, 1000));
    const consistent = r.consistent ? { rate: r.rate, gate: r.gate, rng } : undefined;
    const keyLatents: Float32Array[] = [];
    const keyframes: RgbImage[] = [];

    const emitKeyframes = async (latents: Float32Array[], first: number) => {
      const images = await this.decode(latents);
      for (let k = 0; k < latents.length; k++) {
        keyLatents.push(latents[k]);
        keyframes.push(images[k]);
        await onEvent({ type: 'keyframe', index: first + k, image: images[k],
          latent: latentTensor(latents[k], this.settings), caption: r.panels[first + k].caption });
      }
    };

    const t0 = Date.now();
    const identity = await denoise(this.graphs, {
      noise: Array.from({ length: nId }, (_, k) => this.noiseFor(r, k)),
      cond: cond.slice(0, nId), uncond, scheduler, guidance: r.guidance, consistent,
      keep: r.consistent && n > nId,
      onStep: async (i) => {
        await onEvent({ type: 'progress', stage: 'identity', step: i + 1, of: r.steps });
        signal?.throwIfAborted();
      },
    });
    await emitKeyframes(identity.latents, 0);
    const identityMs = Date.now() - t0;

    const t1 = Date.now();
    const store: IdentityStore = identity.store;
    for (let k = nId; k < n; k++) {
      const done = (k - nId) * r.steps;
      const panel = await denoise(this.graphs, {
        noise: [this.noiseFor(r, k)], cond: [cond[k]], uncond, scheduler, guidance: r.guidance,
        consistent, identity: r.consistent ? { store, frames: nId } : undefined,
        onStep: async (i) => {
          await onEvent({ type: 'progress', stage: 'panels', step: done + i + 1,
            of: (n - nId) * r.steps });
          signal?.throwIfAborted();
        },
      });
      await emitKeyframes(panel.latents, k);
    }
    const panelsMs = Date.now() - t1;

    const t2 = Date.now();
    const frames = r.framesBetween > 0 && n > 1
      ? await this.frames(keyLatents, keyframes, r.framesBetween, onEvent, signal) : [];
    const framesMs = Date.now() - t2;
    const timings = {
      seed: r.seed, textMs, identityMs, panelsMs, framesMs, totalMs: Date.now() - started,
    };
    this.logger.info('story generated', { version: this.version, panels: n, ...timings });
    return { keyframes, frames, timings };
  }

  /** The video: each keyframe, then `between` predicted frames towards the next one. */
  private async frames(
    latents: Float32Array[], keyframes: RgbImage[], between: number, onEvent: OnEvent,
    signal?: AbortSignal,
  ): Promise<RgbImage[]> {
    const video: RgbImage[] = [];
    const emit = async (image: RgbImage, latent: Float32Array) => {
      video.push(image);
      await onEvent({ type: 'frame', index: video.length - 1, image,
        latent: latentTensor(latent, this.settings) });
    };
    for (let k = 0; k + 1 < latents.length; k++) {
      signal?.throwIfAborted();
      await emit(keyframes[k], latents[k]);
      const fraction = Float32Array.from({ length: between }, (_, i) => (i + 1) / (between + 1));
      const first = concatFrames(Array(between).fill(latents[k]));
      const last = concatFrames(Array(between).fill(latents[k + 1]));
      const mid = await this.graphs.motion(first, last, fraction);
      const per = latents[k].length;
      const inBetween = Array.from({ length: between }, (_, i) => frameOf(mid, i, per));
      const images = await this.decode(inBetween);
      for (let i = 0; i < between; i++) await emit(images[i], inBetween[i]);
      await onEvent({ type: 'progress', stage: 'frames', step: k + 1, of: latents.length - 1 });
    }
    await emit(keyframes[keyframes.length - 1], latents[latents.length - 1]);
    return video;
  }
}
