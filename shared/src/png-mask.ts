/**
 * Binary mask → PNG bytes, with fast-png (pure JavaScript, no Node APIs, so it runs in workerd).
 */
import { encode } from 'fast-png';

export type RgbaColor = [number, number, number, number];

export interface PngMaskOptions {
  /**
   * `gray`: one 8-bit channel, 255 for the mask and 0 elsewhere (what most tools read as a mask).
   * `rgba`: the mask in `color`, everything else fully transparent (an overlay for a viewer).
   * @default 'gray'
   */
  mode?: 'gray' | 'rgba';
  /** Overlay colour for `rgba`, components 0–255. @default [255, 0, 0, 160] */
  color?: RgbaColor;
}

/**
 * Encodes a binary mask as a PNG file.
 *
 * @param mask row-major, `width * height` values; non-zero is foreground
 * @example
 * encodeMaskPng(mask, 640, 480)                                   // 1-channel 0/255 PNG
 * encodeMaskPng(mask, 640, 480, { mode: 'rgba', color: [0, 200, 255, 128] })
 */
export function encodeMaskPng(
  mask: Uint8Array,
  width: number,
  height: number,
  options: PngMaskOptions = {},
): Uint8Array {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`PNG size must be positive integers, got ${width}×${height}`);
  }
  if (mask.length !== width * height) {
    throw new RangeError(`mask has ${mask.length} values, expected ${width}×${height}`);
  }
  const { mode = 'gray', color = [255, 0, 0, 160] } = options;

  if (mode === 'gray') {
    const data = new Uint8Array(mask.length);
    for (let i = 0; i < mask.length; i++) data[i] = mask[i] !== 0 ? 255 : 0;
    return encode({ width, height, data, channels: 1, depth: 8 });
  }

  if (color.length !== 4 || color.some((c) => !Number.isInteger(c) || c < 0 || c > 255)) {
    throw new RangeError(`color must be four integers in 0–255, got [${color}]`);
  }
  const data = new Uint8Array(mask.length * 4);
  for (let i = 0; i < mask.length; i++) {
    if (mask[i] !== 0) data.set(color, i * 4);
  }
  return encode({ width, height, data, channels: 4, depth: 8 });
}
