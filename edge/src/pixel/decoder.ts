/**
 * The pixel decoder at the edge: onnxruntime-web (WASM, one thread) running the bundle's
 * `pixel_decoder` graph. One session per isolate and bundle version, created on first use;
 * runs are serialised, since one WebAssembly instance serves them all.
 */
import type { BundleManifest } from '../../../shared/src/manifest';
import { createSession, ort } from '../ort/runtime';
import { readDecoderBundle, readGraph, type DecoderBundle } from './models';

export interface Tensor32 {
  data: Float32Array;
  dims: number[];
}

export interface DecoderInputs {
  /** [targets, codebook tokens, hidden]: the LM hidden states at each target's seg tokens. */
  segHidden: Tensor32;
  /** [1, C, h0, w0]: the coarse feature level. */
  features0: Tensor32;
  /** [1, C, h1, w1]: the fine feature level. */
  features1: Tensor32;
}

export interface DecoderOutputs {
  /** [targets, S, S] logits in the padded model frame. */
  maskLogits: Tensor32;
  /** [targets] predicted mask quality in [0, 1]. */
  scores: Float32Array;
  /** Time inside `session.run`, in milliseconds. */
  runMs: number;
}

export class PixelDecoder {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly session: ort.InferenceSession,
    readonly manifest: BundleManifest,
    readonly maskSize: number,
  ) {}

  /** Reads the bundle's decoder graph from R2 (checking its SHA-256) and creates the session. */
  static async load(models: R2Bucket, bundle: DecoderBundle): Promise<PixelDecoder> {
    const bytes = await readGraph(models, bundle.manifest, bundle.graph);
    return new PixelDecoder(await createSession(bytes), bundle.manifest, bundle.maskSize);
  }

  get version(): string {
    return this.manifest.version;
  }

  /** Decodes every target of one image in one batch. Calls wait for the previous one. */
  run(inputs: DecoderInputs): Promise<DecoderOutputs> {
    const next = this.queue.then(() => this.runNow(inputs));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async runNow(inputs: DecoderInputs): Promise<DecoderOutputs> {
    const feeds = {
      seg_hidden: new ort.Tensor('float32', inputs.segHidden.data, inputs.segHidden.dims),
      features_0: new ort.Tensor('float32', inputs.features0.data, inputs.features0.dims),
      features_1: new ort.Tensor('float32', inputs.features1.data, inputs.features1.dims),
    };
    const started = performance.now();
    const out = await this.session.run(feeds);
    const runMs = performance.now() - started;
    const logits = out.mask_logits;
    const result: DecoderOutputs = {
      maskLogits: { data: (logits.data as Float32Array).slice(), dims: [...logits.dims] },
      scores: (out.scores.data as Float32Array).slice(),
      runMs,
    };
    for (const tensor of Object.values(out)) tensor.dispose();
    return result;
  }
}

const decoders = new Map<string, Promise<PixelDecoder>>();

/**
 * The isolate's decoder for this bundle version, created once. A failed load is forgotten so the
 * next call retries.
 */
export function pixelDecoder(models: R2Bucket, bundle: DecoderBundle): Promise<PixelDecoder> {
  const key = `${bundle.manifest.name}@${bundle.manifest.version}`;
  let decoder = decoders.get(key);
  if (!decoder) {
    decoder = PixelDecoder.load(models, bundle);
    decoders.set(key, decoder);
    decoder.catch(() => decoders.delete(key));
  }
  return decoder;
}

const MANIFEST_TTL_MS = 30_000;
const bundles = new Map<string, { at: number; bundle: Promise<DecoderBundle> }>();

/**
 * The manifest the edge serves for `name`, read from R2 at most every 30 s per isolate, so a
 * warm request costs no R2 read for it while a reseeded bundle is picked up soon.
 */
export function currentBundle(models: R2Bucket, name: string): Promise<DecoderBundle> {
  const now = Date.now();
  const hit = bundles.get(name);
  if (hit && now - hit.at < MANIFEST_TTL_MS) return hit.bundle;
  const bundle = readDecoderBundle(models, name);
  bundles.set(name, { at: now, bundle });
  bundle.catch(() => bundles.delete(name));
  return bundle;
}
