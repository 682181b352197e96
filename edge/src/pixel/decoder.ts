/**
 * The pixel decoder at the edge: onnxruntime-web (WASM, one thread) running the bundle's
 * `pixel_decoder` graph. One session per isolate and bundle version, created on first use;
 * runs are serialised, since one WebAssembly instance serves them all.
 */
import type { BundleManifest } from '../../../shared/src/manifest';
import { settledNow } from '../clock';
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
}

export class PixelDecoder {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly session: ort.InferenceSession,
    readonly manifest: BundleManifest,
    readonly maskSize: number,
  ) {}

  get version(): string {
    return this.manifest.version;
  }

  /** Runs {@link run} and measures it, waiting included (see clock.ts). */
  async timedRun(inputs: DecoderInputs): Promise<DecoderOutputs & { ms: number }> {
    const started = await settledNow();
    const out = await this.run(inputs);
    return { ...out, ms: (await settledNow()) - started };
  }

  /**
   * Decodes every target of one image in one batch. Calls wait for the previous one. The queue
   * holds no timer or I/O, so a request that goes away cannot stall the requests behind it.
   */
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
    const out = await this.session.run(feeds);
    const logits = out.mask_logits;
    const result: DecoderOutputs = {
      maskLogits: { data: (logits.data as Float32Array).slice(), dims: [...logits.dims] },
      scores: (out.scores.data as Float32Array).slice(),
    };
    for (const tensor of Object.values(out)) tensor.dispose();
    return result;
  }
}

// Workers tie I/O to the request that started it: a promise waiting on another request's R2
// read never settles once that request is over. So only settled values are shared between
// requests; each request does its own reads, and only the CPU-bound session creation (which
// starts onnxruntime-web's WebAssembly once) is shared while it runs.
const decoders = new Map<string, PixelDecoder>();
const creating = new Map<string, Promise<ort.InferenceSession>>();

/** The isolate's decoder for this bundle version, created once (on first use). */
export async function pixelDecoder(models: R2Bucket, bundle: DecoderBundle): Promise<PixelDecoder> {
  const key = `${bundle.manifest.name}@${bundle.manifest.version}`;
  const ready = decoders.get(key);
  if (ready) return ready;

  let session = creating.get(key);
  if (!session) {
    const bytes = await readGraph(models, bundle.manifest, bundle.graph);
    session = creating.get(key) ?? createSession(bytes);
    creating.set(key, session);
  }
  try {
    const decoder = decoders.get(key)
      ?? new PixelDecoder(await session, bundle.manifest, bundle.maskSize);
    decoders.set(key, decoder);
    return decoder;
  } finally {
    creating.delete(key);
  }
}

const MANIFEST_TTL_MS = 30_000;
const bundles = new Map<string, { at: number; bundle: DecoderBundle }>();

/**
 * The manifest the edge serves for `name`, read from R2 at most every 30 s per isolate, so a
 * warm request costs no R2 read for it while a reseeded bundle is picked up soon.
 */
export async function currentBundle(models: R2Bucket, name: string): Promise<DecoderBundle> {
  const hit = bundles.get(name);
  if (hit && Date.now() - hit.at < MANIFEST_TTL_MS) return hit.bundle;
  const bundle = await readDecoderBundle(models, name);
  bundles.set(name, { at: Date.now(), bundle });
  return bundle;
}
