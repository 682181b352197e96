/**
 * What the HTTP layer needs from a pixel pipeline. `PixelPipeline` (pixel/pipeline.ts) has this
 * shape; the HTTP layer depends on the shape only, so it is written and typed on its own.
 */
import type { BundleManifest } from '../../../shared/src/manifest.js';

/** RGB, HWC, 8 bits per channel. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

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
  /** The answer's phrase that names the target. */
  label: string;
  /** LM hidden states at the target's codebook tokens, [scales × tokens per scale, hidden]. */
  segHidden: Tensor32;
}

export interface PixelAnswer {
  answer: string;
  targets: PixelTarget[];
  timings: { encodeMs: number; lmMs: number; tokens: number };
}

export interface PixelEngine {
  readonly manifest: BundleManifest;
  encode(image: RgbImage): Promise<ImageFeatures>;
  answer(
    imageTokens: Tensor32,
    question: string,
    onToken?: (word: string) => void,
  ): Promise<PixelAnswer>;
}
