/**
 * The pixel pipeline (PixelLM): image encoder → LM answer with a KV cache → one group of
 * codebook tokens per target → pixel decoder. Runs a bundle's three ONNX graphs with
 * onnxruntime-node.
 *
 * Decoding is greedy. When the LM emits any codebook token, the whole group (scales × tokens
 * per scale) is fed in one step, so a target always has a complete group; the hidden states
 * where those tokens are the input are the target's seg embeddings. A target's label is the
 * answer's words since the last punctuation mark.
 *
 * Every graph call goes through a {@link GraphExecutor}: onnxruntime sessions in this process,
 * with dynamic batching across concurrent requests when asked, or a remote KServe v2 server.
 */
import * as ort from 'onnxruntime-node';
import { type Logger, silentLogger } from '../../../shared/src/logger.js';
import type { BundleManifest, ImageSpec } from '../../../shared/src/manifest.js';
import { BundleError, type ExecutionProvider, loadBundle } from '../bundle.js';
import {
  BatchingExecutor, batchableGraphs, type DynamicBatchingOptions,
} from '../executor/dynamic-batcher.js';
import { type GraphExecutor, SessionExecutor } from '../executor/graph-executor.js';
import { preprocessImage, type RgbImage } from './preprocess.js';
import { detokenize, isPunctuation, Tokenizer, type VocabularyFile } from './tokenizer.js';

export type { RgbImage } from './preprocess.js';

export interface Tensor32 {
  data: Float32Array;
  dims: number[];
}

export interface ImageFeatures {
  imageTokens: Tensor32;
  features0: Tensor32;
  features1: Tensor32;
  /** The part of the S×S model frame covered by the image (the rest is padding). */
  content: { width: number; height: number };
}

export interface PixelTarget {
  /** The answer's phrase that names the target, e.g. "red circle". */
  label: string;
  /** LM hidden states where the target's codebook tokens are the input, [L*N, hidden]. */
  segHidden: Tensor32;
}

export interface PixelAnswer {
  /** Answer text with the codebook tokens removed. */
  answer: string;
  targets: PixelTarget[];
  /** Answer words with `{seg}` where each codebook group stood (for exact-answer checks). */
  words: string[];
  timings: { encodeMs: number; lmMs: number; tokens: number };
}

export interface CodebookSpec {
  scales: number;
  tokensPerScale: number;
  tokenIds: number[][];
  answer: 'per-target' | 'single';
}

export interface LmSpec {
  layers: number;
  heads: number;
  headDim: number;
  hidden: number;
  imageTokens: number;
  maxAnswerTokens: number;
  /** Length of the position table: image tokens + question + answer must fit in it. */
  maxPositions?: number;
}

export class PixelPipelineError extends Error {
  override name = 'PixelPipelineError';
  constructor(readonly code: 'BAD_REQUEST' | 'BUNDLE_INVALID', message: string) {
    super(message);
  }
}

function f32(t: Tensor32): ort.Tensor {
  return new ort.Tensor('float32', t.data, t.dims);
}

function out32(t: ort.Tensor): Tensor32 {
  return { data: t.data as Float32Array, dims: [...t.dims] };
}

function argmaxLast(logits: ort.Tensor): number {
  const [, length, vocab] = logits.dims;
  const data = logits.data as Float32Array;
  const base = (length - 1) * vocab;
  let best = 0;
  for (let i = 1; i < vocab; i++) if (data[base + i] > data[base + best]) best = i;
  return best;
}

export interface PixelPipelineOptions {
  executionProvider?: ExecutionProvider;
  logger?: Logger;
  /** Threads per session for the CPU provider. @default onnxruntime's choice */
  intraOpNumThreads?: number;
  /** Merge concurrent calls per graph (image encoder, LM step). @default no batching */
  batching?: DynamicBatchingOptions | null;
  /**
   * Run the graphs here instead of on local sessions (e.g. a KServeExecutor); the bundle folder
   * then needs only its manifest and vocabulary.
   */
  executor?: GraphExecutor;
}

export class PixelPipeline {
  private lmRuns = 0;

  private constructor(
    readonly manifest: BundleManifest,
    readonly executor: GraphExecutor,
    readonly tokenizer: Tokenizer,
    private readonly logger: Logger,
  ) {}

  /**
   * Loads a pixel bundle folder (hashes checked) and opens its graphs.
   *
   * @throws BundleError when the bundle is missing, altered, not a pixel bundle, or the asked
   *   execution provider did not load
   */
  static async load(dir: string, opts: PixelPipelineOptions = {}): Promise<PixelPipeline> {
    const logger = opts.logger ?? silentLogger;
    const bundle = await loadBundle(dir, {
      executionProvider: opts.executionProvider, logger, intraOpNumThreads: opts.intraOpNumThreads,
      ...(opts.executor ? { graphs: [] } : {}),
    });
    const m = bundle.manifest;
    for (const key of ['image_encoder', 'lm_step', 'pixel_decoder']) {
      if (!m.graphs[key]) {
        throw new BundleError('BUNDLE_INVALID', `${dir}/manifest.json has no graph ${key}; a `
          + 'pixel bundle needs image_encoder, lm_step and pixel_decoder.');
      }
    }
    if (m.kind !== 'pixel' || !m.image || !m.codebook || !m.lm || !bundle.vocabulary) {
      throw new BundleError('BUNDLE_INVALID', `${dir}/manifest.json is not a pixel bundle (it `
        + 'needs kind "pixel", image, codebook, lm and a vocabulary); pick a pixel bundle.');
    }
    let executor: GraphExecutor = opts.executor ?? new SessionExecutor(bundle.sessions);
    if (!opts.executor && opts.batching) {
      executor = new BatchingExecutor(executor, batchableGraphs(m), opts.batching, m.name);
    }
    return new PixelPipeline(m, executor, new Tokenizer(bundle.vocabulary as VocabularyFile),
      logger);
  }

  get image(): ImageSpec {
    return this.manifest.image as ImageSpec;
  }

  get codebook(): CodebookSpec {
    return this.manifest.codebook as CodebookSpec;
  }

  get lm(): LmSpec {
    return this.manifest.lm as LmSpec;
  }

  /** Resize (longest side to S), normalise and pad: pixel values [1, 3, S, S]. */
  preprocess(image: RgbImage):
  { pixelValues: Tensor32; content: { width: number; height: number } } {
    const { width, height, data } = image;
    if (width < 1 || height < 1 || data.length !== width * height * 3) {
      throw new PixelPipelineError('BAD_REQUEST', `The image buffer has ${data.length} bytes `
        + `for ${image.width}×${image.height} RGB pixels; pass width × height × 3 bytes (HWC).`);
    }
    const p = preprocessImage(image, this.image);
    return { pixelValues: { data: p.data, dims: p.dims }, content: p.content };
  }

  /** Runs the image encoder: image tokens for the LM and the two decoder feature levels. */
  async encode(image: RgbImage): Promise<ImageFeatures> {
    const { pixelValues, content } = this.preprocess(image);
    const out = await this.executor.track(() => this.executor.run('image_encoder',
      { pixel_values: f32(pixelValues) }));
    return {
      imageTokens: out32(out.image_tokens),
      features0: out32(out.features_0),
      features1: out32(out.features_1),
      content,
    };
  }

  private emptyPast(): Record<string, ort.Tensor> {
    const { layers, heads, headDim } = this.lm;
    const feeds: Record<string, ort.Tensor> = {};
    for (let i = 0; i < layers; i++) {
      for (const kv of ['key', 'value']) {
        feeds[`past_${kv}_${i}`] = new ort.Tensor('float32', new Float32Array(0),
          [1, heads, 0, headDim]);
      }
    }
    return feeds;
  }

  private async step(imageTokens: ort.Tensor, ids: number[], past: Record<string, ort.Tensor>):
  Promise<{ logits: ort.Tensor; hidden: ort.Tensor; past: Record<string, ort.Tensor> }> {
    const inputIds = new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, ids.length]);
    const out = await this.executor.run('lm_step', { image_tokens: imageTokens,
      input_ids: inputIds, ...past });
    this.lmRuns++;
    const next: Record<string, ort.Tensor> = {};
    for (let i = 0; i < this.lm.layers; i++) {
      next[`past_key_${i}`] = out[`present_key_${i}`];
      next[`past_value_${i}`] = out[`present_value_${i}`];
    }
    return { logits: out.logits, hidden: out.hidden_states, past: next };
  }

  /** Greedy decode with KV cache until eos or the cap; onToken gets each answer word. */
  answer(imageTokens: Tensor32, question: string, onToken?: (word: string) => void):
  Promise<PixelAnswer> {
    return this.executor.track(() => this.decodeAnswer(imageTokens, question, onToken));
  }

  private async decodeAnswer(
    imageTokens: Tensor32,
    question: string,
    onToken?: (word: string) => void,
  ): Promise<PixelAnswer> {
    const started = performance.now();
    const tk = this.tokenizer;
    const hidden = this.lm.hidden;
    const image = f32(imageTokens);
    const ids = tk.encodeQuestion(question);
    const { maxPositions = Infinity, imageTokens: imageLength, maxAnswerTokens } = this.lm;
    const room = maxPositions - imageLength - maxAnswerTokens;
    if (ids.length > room) {
      throw new PixelPipelineError('BAD_REQUEST', `The question has ${ids.length - 2} words; `
        + `this model reads at most ${room - 2}. Ask a shorter question.`);
    }
    const noImage = new ort.Tensor('float32', new Float32Array(0), [1, 0, hidden]);
    let { logits, past } = await this.step(image, ids, this.emptyPast());
    let next = argmaxLast(logits);
    const words: string[] = [];
    const targets: PixelTarget[] = [];
    let produced = 0;
    while (next !== tk.special.eos && produced < this.lm.maxAnswerTokens) {
      const isGroup = tk.isCodebook(next);
      const feed = isGroup ? tk.group : [next];
      let label: string[] = [];
      if (isGroup) {
        for (let i = words.length - 1; i >= 0 && !isPunctuation(words[i]) && words[i] !== '{seg}';
          i--) label = [words[i], ...label];
        words.push('{seg}');
      } else {
        words.push(tk.token(next));
        onToken?.(tk.token(next));
      }
      const out = await this.step(noImage, feed, past);
      past = out.past;
      if (isGroup) {
        const data = (out.hidden.data as Float32Array).slice(0, feed.length * hidden);
        // A single [SEG] after the whole answer (LISA-style) names everything said before it.
        const name = label.length ? label.join(' ')
          : detokenize(words.filter((w) => w !== '{seg}')).replace(/[.?!]$/, '');
        targets.push({ label: name, segHidden: { data, dims: [feed.length, hidden] } });
      }
      produced += feed.length;
      next = argmaxLast(out.logits);
    }
    const lmMs = performance.now() - started;
    this.logger.debug('pixel answer', { tokens: produced, targets: targets.length, lmMs });
    return {
      answer: detokenize(words.filter((w) => w !== '{seg}')),
      targets,
      words,
      timings: { encodeMs: 0, lmMs, tokens: produced },
    };
  }

  /** Runs pixel_decoder natively for all targets in one batch. */
  async decode(targets: PixelTarget[], f: ImageFeatures):
  Promise<{ maskLogits: Tensor32; scores: Float32Array }> {
    const s = this.image.size;
    if (targets.length === 0) {
      const maskLogits = { data: new Float32Array(0), dims: [0, s, s] };
      return { maskLogits, scores: new Float32Array(0) };
    }
    const [group, hidden] = targets[0].segHidden.dims;
    const seg = new Float32Array(targets.length * group * hidden);
    targets.forEach((t, i) => seg.set(t.segHidden.data, i * group * hidden));
    const out = await this.executor.run('pixel_decoder', {
      seg_hidden: new ort.Tensor('float32', seg, [targets.length, group, hidden]),
      features_0: f32(f.features0),
      features_1: f32(f.features1),
    });
    return { maskLogits: out32(out.mask_logits), scores: out.scores.data as Float32Array };
  }

  /** Number of lm_step runs so far (for benchmarks). */
  get lmSteps(): number {
    return this.lmRuns;
  }

  /** Releases the onnxruntime sessions (or the remote executor). */
  async release(): Promise<void> {
    await this.executor.release();
  }
}
