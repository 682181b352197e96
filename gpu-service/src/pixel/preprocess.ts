/**
 * Image → model input: the longest side is resized to S (the other keeps the aspect ratio),
 * values are scaled to [0, 1] and normalised per channel, and the frame is zero-padded at the
 * bottom and right. Matches `gpu-service/training/pixel/preprocess.py` exactly.
 */
import { resample } from '../../../shared/src/mask.js';
import type { ImageSpec } from '../../../shared/src/manifest.js';

export interface RgbImage {
  /** RGB, HWC, 8 bits per channel. */
  data: Uint8Array;
  width: number;
  height: number;
}

/** Size of the image inside the S×S frame (round half up, as the training code does). */
export function contentSize(width: number, height: number, size: number):
{ width: number; height: number } {
  const scale = size / Math.max(width, height);
  return {
    width: Math.max(1, Math.floor(width * scale + 0.5)),
    height: Math.max(1, Math.floor(height * scale + 0.5)),
  };
}

/** Returns pixel values [1, 3, S, S] (CHW) and the content area. */
export function preprocessImage(image: RgbImage, spec: ImageSpec):
{ data: Float32Array; dims: number[]; content: { width: number; height: number } } {
  const s = spec.size;
  const content = contentSize(image.width, image.height, s);
  const pixels = resample(image.data, image.width, image.height, content.width, content.height, 3);
  const data = new Float32Array(3 * s * s);
  for (let c = 0; c < 3; c++) {
    const mean = spec.mean[c];
    const std = spec.std[c];
    for (let y = 0; y < content.height; y++) {
      for (let x = 0; x < content.width; x++) {
        const v = pixels[(y * content.width + x) * 3 + c] / 255;
        data[c * s * s + y * s + x] = (v - mean) / std;
      }
    }
  }
  return { data, dims: [1, 3, s, s], content };
}
