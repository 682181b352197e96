/**
 * Typed calls into a story bundle's graphs (onnxruntime sessions): text encoder, UNet with
 * Consistent Self-Attention inputs, latent decoder and encoder, motion predictor, classifier.
 */
import * as ort from 'onnxruntime-node';
import type { ConsistentLayer, StorySettings } from './story-manifest.js';
import type { Tensor32 } from './types.js';

export interface UnetCall {
  /** Latents `[B, C, H, W]`. */
  latent: Float32Array;
  batch: number;
  /** The timestep, the same for every frame of the batch. */
  timestep: number;
  /** Text states `[B, L, D]` (cond frames first, then uncond). */
  context: Float32Array;
  /** Sampling mask `[B, B + R, maskTokens]`. */
  mask: Float32Array;
  /** One switch per Consistent Self-Attention layer. */
  switches: Float32Array;
  /** Stored identity hidden states per layer, `[R, T, C]` each (R may be 0). */
  refs: Float32Array[];
  refCount: number;
}

export interface UnetResult {
  /** v-prediction `[B, C, H, W]`. */
  v: Float32Array;
  /** Self-attention hidden states per Consistent Self-Attention layer, `[B, T, C]` each. */
  hidden: Float32Array[];
}

function f32(data: Float32Array, dims: number[]): ort.Tensor {
  return new ort.Tensor('float32', data, dims);
}

/** The graphs of one loaded story bundle, called with plain typed arrays. */
export class StoryGraphs {
  constructor(
    private readonly sessions: Record<string, ort.InferenceSession>,
    readonly settings: StorySettings,
  ) {}

  private get layers(): ConsistentLayer[] {
    return this.settings.consistentAttention.layers;
  }

  private latentDims(batch: number): number[] {
    const { channels, height, width } = this.settings.latent;
    return [batch, channels, height, width];
  }

  /** Token ids `[n, maxTokens]` -> text states `[n, maxTokens, dim]`. */
  async encodeText(ids: BigInt64Array, n: number): Promise<Float32Array> {
    const out = await this.sessions.text_encoder.run({
      ids: new ort.Tensor('int64', ids, [n, this.settings.text.maxTokens]),
    });
    return out.context.data as Float32Array;
  }

  /** One UNet call. */
  async unet(call: UnetCall): Promise<UnetResult> {
    const b = call.batch;
    const feeds: Record<string, ort.Tensor> = {
      latent: f32(call.latent, this.latentDims(b)),
      timestep: f32(new Float32Array(b).fill(call.timestep), [b]),
      context: f32(call.context, [b, this.settings.text.maxTokens, this.settings.text.dim]),
      csa_mask: f32(call.mask,
        [b, b + call.refCount, this.settings.consistentAttention.maskTokens]),
      csa_switch: f32(call.switches, [this.layers.length]),
    };
    this.layers.forEach((layer, i) => {
      feeds[layer.ref] = f32(call.refs[i], [call.refCount, layer.tokens, layer.channels]);
    });
    const out = await this.sessions.unet.run(feeds);
    return {
      v: out.v.data as Float32Array,
      hidden: this.layers.map((layer) => out[layer.hidden].data as Float32Array),
    };
  }

  /** Latents `[n, C, H, W]` -> images `[n, 3, size, size]` with values in [0, 1]. */
  async decode(latent: Float32Array, n: number): Promise<Float32Array> {
    const out = await this.sessions.latent_decoder.run({ latent: f32(latent, this.latentDims(n)) });
    return out.image.data as Float32Array;
  }

  /** Images `[n, 3, size, size]` in [0, 1] -> latents. */
  async encodeImage(image: Float32Array, n: number): Promise<Float32Array> {
    const s = this.settings.image.size;
    const out = await this.sessions.latent_encoder.run({ image: f32(image, [n, 3, s, s]) });
    return out.latent.data as Float32Array;
  }

  /** Latents of the frames a fraction `fraction[i]` of the way from `first` to `last`. */
  async motion(first: Float32Array, last: Float32Array, fraction: Float32Array):
  Promise<Float32Array> {
    const n = fraction.length;
    const out = await this.sessions.motion_predictor.run({
      first: f32(first, this.latentDims(n)), last: f32(last, this.latentDims(n)),
      fraction: f32(fraction, [n]),
    });
    return out.latent.data as Float32Array;
  }

  /** Class index per head for each of n images `[n, 3, size, size]`. */
  async classify(image: Float32Array, n: number): Promise<Record<string, number[]>> {
    const s = this.settings.image.size;
    const out = await this.sessions.classifier.run({ image: f32(image, [n, 3, s, s]) });
    const result: Record<string, number[]> = {};
    for (const head of this.settings.classifier.heads) {
      const logits = out[head.output].data as Float32Array;
      const k = head.classes.length;
      result[head.name] = Array.from({ length: n }, (_, i) => {
        let best = 0;
        for (let c = 1; c < k; c++) if (logits[i * k + c] > logits[i * k + best]) best = c;
        return best;
      });
    }
    return result;
  }
}

/** Slices frame i out of a batch tensor whose frames have `per` elements. */
export function frameOf(batch: Float32Array, i: number, per: number): Float32Array {
  return batch.slice(i * per, (i + 1) * per);
}

/** Concatenates frames into one batch tensor. */
export function concatFrames(frames: Float32Array[]): Float32Array {
  const out = new Float32Array(frames.reduce((a, f) => a + f.length, 0));
  let at = 0;
  for (const f of frames) {
    out.set(f, at);
    at += f.length;
  }
  return out;
}

/** A latent as the events carry it. */
export function latentTensor(data: Float32Array, settings: StorySettings): Tensor32 {
  const { channels, height, width } = settings.latent;
  return { data, dims: [1, channels, height, width] };
}
