/** Tensors and images the story pipeline passes around. */

/** A float32 tensor, row-major, with its dimensions. */
export interface Tensor32 {
  data: Float32Array;
  dims: number[];
}

/** An RGB image, 8 bits per channel, rows of pixels (HWC). */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** Number of elements of a tensor with these dimensions. */
export function sizeOf(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}
