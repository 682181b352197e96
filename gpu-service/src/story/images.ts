/** Conversions between the graphs' float images (`[3, H, W]`, values in [0, 1]) and RGB. */
import type { RgbImage } from './types.js';

/** Frame i of a float batch `[n, 3, size, size]` as an 8-bit RGB image. */
export function toRgb(batch: Float32Array, i: number, size: number): RgbImage {
  const plane = size * size;
  const base = i * 3 * plane;
  const data = new Uint8Array(plane * 3);
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) {
      const v = batch[base + c * plane + p];
      data[p * 3 + c] = Math.max(0, Math.min(255, Math.round(v * 255)));
    }
  }
  return { data, width: size, height: size };
}

/** RGB images of one size as a float batch `[n, 3, H, W]` in [0, 1]. */
export function fromRgb(images: RgbImage[]): Float32Array {
  if (images.length === 0) return new Float32Array(0);
  const { width, height } = images[0];
  const plane = width * height;
  const out = new Float32Array(images.length * 3 * plane);
  images.forEach((img, i) => {
    for (let p = 0; p < plane; p++) {
      for (let c = 0; c < 3; c++) out[i * 3 * plane + c * plane + p] = img.data[p * 3 + c] / 255;
    }
  });
  return out;
}

/** Mean absolute difference of two images, in [0, 1] units. */
export function meanAbsDiff(a: RgbImage, b: RgbImage): number {
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) sum += Math.abs(a.data[i] - b.data[i]);
  return sum / a.data.length / 255;
}

/** Crops a `w`×`h` tile at (x, y) out of a larger image. */
export function crop(img: RgbImage, x: number, y: number, w: number, h: number): RgbImage {
  const data = new Uint8Array(w * h * 3);
  for (let r = 0; r < h; r++) {
    const from = ((y + r) * img.width + x) * 3;
    data.set(img.data.subarray(from, from + w * 3), r * w * 3);
  }
  return { data, width: w, height: h };
}
