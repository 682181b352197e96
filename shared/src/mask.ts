/**
 * Mask helpers on pixel-decoder output, shared by the edge and the gpu-service (pure TS).
 *
 * The decoder gives S×S mask logits in the padded model frame: the image, resized so its
 * longest side is S, sits at the top left and the rest is padding. To get a mask at the
 * original size: crop the content area, resample it to width×height, threshold at 0.
 *
 * The resampler is separable: each output pixel averages ceil(in/out) bilinear samples per axis
 * spread over its footprint (plain bilinear with half-pixel centres when enlarging). The model's
 * training code uses the same weights for images and masks, so both sides agree.
 */
import type { Bbox, BinaryMask } from './rle.js';

/** Sparse resampling weights along one axis: output `o` reads `taps` inputs from `o * taps`. */
export interface AxisWeights {
  taps: number;
  index: Int32Array;
  weight: Float64Array;
}

/** Weights that take `nIn` samples to `nOut` along one axis. */
export function axisWeights(nIn: number, nOut: number): AxisWeights {
  const scale = nIn / nOut;
  const k = Math.max(1, Math.ceil(scale - 1e-9));
  const taps = 2 * k;
  const index = new Int32Array(nOut * taps);
  const weight = new Float64Array(nOut * taps);
  for (let o = 0; o < nOut; o++) {
    for (let t = 0; t < k; t++) {
      let pos = o * scale + ((t + 0.5) * scale) / k - 0.5;
      pos = Math.min(Math.max(pos, 0), nIn - 1);
      const i0 = Math.floor(pos);
      const i1 = Math.min(i0 + 1, nIn - 1);
      const f = pos - i0;
      const at = o * taps + 2 * t;
      index[at] = i0;
      weight[at] = (1 - f) / k;
      index[at + 1] = i1;
      weight[at + 1] = f / k;
    }
  }
  return { taps, index, weight };
}

/**
 * Resamples a row-major plane with `channels` interleaved values per pixel (HWC) from
 * width×height to outWidth×outHeight. Rows are resampled first, then columns.
 */
export function resample(
  src: ArrayLike<number>, width: number, height: number,
  outWidth: number, outHeight: number, channels = 1,
): Float64Array {
  const wy = axisWeights(height, outHeight);
  const wx = axisWeights(width, outWidth);
  const tmp = new Float64Array(outHeight * width * channels);
  for (let o = 0; o < outHeight; o++) {
    for (let t = 0; t < wy.taps; t++) {
      const w = wy.weight[o * wy.taps + t];
      if (w === 0) continue;
      const row = wy.index[o * wy.taps + t] * width * channels;
      const dst = o * width * channels;
      for (let i = 0; i < width * channels; i++) tmp[dst + i] += w * src[row + i];
    }
  }
  const out = new Float64Array(outHeight * outWidth * channels);
  for (let y = 0; y < outHeight; y++) {
    for (let o = 0; o < outWidth; o++) {
      const dst = (y * outWidth + o) * channels;
      for (let t = 0; t < wx.taps; t++) {
        const w = wx.weight[o * wx.taps + t];
        if (w === 0) continue;
        const from = (y * width + wx.index[o * wx.taps + t]) * channels;
        for (let c = 0; c < channels; c++) out[dst + c] += w * tmp[from + c];
      }
    }
  }
  return out;
}

/**
 * Crops the content area out of S×S mask logits and resamples it to the original image size.
 *
 * @param logits S×S row-major logits of one target
 * @param size S, the side of the model frame
 * @param content the part of the frame the image covers
 */
export function logitsToImageSize(
  logits: ArrayLike<number>, size: number, content: { width: number; height: number },
  width: number, height: number,
): Float64Array {
  const crop = new Float64Array(content.width * content.height);
  for (let y = 0; y < content.height; y++) {
    for (let x = 0; x < content.width; x++) crop[y * content.width + x] = logits[y * size + x];
  }
  return resample(crop, content.width, content.height, width, height);
}

/** Logits → binary mask (1 where logit > threshold). */
export function thresholdMask(
  logits: ArrayLike<number>, width: number, height: number, threshold = 0,
): BinaryMask {
  const data = new Uint8Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = logits[i] > threshold ? 1 : 0;
  return { data, width, height };
}

/** Crop, resize and threshold in one call: the mask of one target at the original size. */
export function maskFromLogits(
  logits: ArrayLike<number>, size: number, content: { width: number; height: number },
  width: number, height: number, threshold = 0,
): BinaryMask {
  return thresholdMask(logitsToImageSize(logits, size, content, width, height), width, height,
    threshold);
}

/** Number of set pixels. */
export function maskArea(mask: BinaryMask): number {
  let n = 0;
  for (let i = 0; i < mask.data.length; i++) n += mask.data[i];
  return n;
}

/** COCO [x, y, w, h] box of the set pixels; [0, 0, 0, 0] when the mask is empty. */
export function maskBbox(mask: BinaryMask): Bbox {
  const { data, width, height } = mask;
  let x0 = width; let y0 = height; let x1 = -1; let y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!data[y * width + x]) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      y1 = y;
    }
  }
  return x1 < 0 ? [0, 0, 0, 0] : [x0, y0, x1 - x0 + 1, y1 - y0 + 1];
}
