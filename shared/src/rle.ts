/**
 * COCO run-length encoding of binary masks, compressed form: `{ size: [h, w], counts }`.
 *
 * Pixels are read column by column (column-major, as COCO stores them). Runs alternate between
 * 0 and 1 and always start with a run of zeros (possibly empty). In the `counts` string each
 * run is written as a variable-length signed integer in 5-bit chunks, least significant first;
 * every character is `48 + chunk`, where bit 0x20 of the chunk means "more chunks follow" and
 * bit 0x10 of the last chunk is the sign. From the fourth run on, the value written is the
 * difference to the run two places back (the run of the same colour before). Pure TypeScript.
 */

export interface CocoRle {
  /** [height, width] */
  size: [number, number];
  counts: string;
}

/** A row-major binary mask: `data[y * width + x]` is 1 inside the mask, 0 outside. */
export interface BinaryMask {
  data: Uint8Array;
  width: number;
  height: number;
}

/** COCO [x, y, width, height] box. */
export type Bbox = [number, number, number, number];

export class RleError extends Error {
  override name = 'RleError';
  readonly code = 'BAD_RLE';
}

/** Run lengths of a mask read column-major, starting with zeros. */
export function runLengths(mask: BinaryMask): number[] {
  const { data, width, height } = mask;
  const runs: number[] = [];
  let current = 0;
  let run = 0;
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) {
      const v = data[y * width + x] ? 1 : 0;
      if (v !== current) {
        runs.push(run);
        run = 0;
        current = v;
      }
      run++;
    }
  }
  runs.push(run);
  return runs;
}

/** Writes run lengths as a COCO counts string. */
export function countsToString(runs: number[]): string {
  let out = '';
  for (let i = 0; i < runs.length; i++) {
    let x = i > 2 ? runs[i] - runs[i - 2] : runs[i];
    for (;;) {
      let chunk = x & 0x1f;
      x >>= 5;
      const more = chunk & 0x10 ? x !== -1 : x !== 0;
      if (more) chunk |= 0x20;
      out += String.fromCharCode(chunk + 48);
      if (!more) break;
    }
  }
  return out;
}

/** Reads a COCO counts string back into run lengths. */
export function stringToCounts(counts: string): number[] {
  const runs: number[] = [];
  let p = 0;
  while (p < counts.length) {
    let x = 0;
    let k = 0;
    let more = true;
    while (more) {
      if (p >= counts.length) {
        throw new RleError('The RLE counts string ends inside a number; pass the complete '
          + 'string from the annotation.');
      }
      const c = counts.charCodeAt(p) - 48;
      if (c < 0 || c > 63) {
        throw new RleError(`The RLE counts string has an invalid character at ${p}; pass a `
          + 'compressed COCO RLE string (characters 0x30-0x6f).');
      }
      x |= (c & 0x1f) << (5 * k);
      more = (c & 0x20) !== 0;
      p++;
      k++;
      if (!more && c & 0x10) x |= -1 << (5 * k);
    }
    if (runs.length > 2) x += runs[runs.length - 2];
    runs.push(x);
  }
  return runs;
}

/**
 * Encodes a row-major binary mask as compressed COCO RLE.
 *
 * @example
 * // 4×4 mask with the centre 2×2 set: runs 5,2,2,2,5
 * encodeRle({ data, width: 4, height: 4 }) // → { size: [4, 4], counts: '52203' }
 */
export function encodeRle(mask: BinaryMask): CocoRle {
  return { size: [mask.height, mask.width], counts: countsToString(runLengths(mask)) };
}

/** Decodes compressed COCO RLE into a row-major binary mask. */
export function decodeRle(rle: CocoRle): BinaryMask {
  const [height, width] = rle.size;
  const data = new Uint8Array(width * height);
  const runs = stringToCounts(rle.counts);
  let pos = 0;
  let value = 0;
  for (const run of runs) {
    if (run < 0 || pos + run > width * height) {
      throw new RleError(`The RLE runs do not fit a ${height}×${width} mask; check that size `
        + 'is [height, width] and belongs to these counts.');
    }
    if (value) {
      for (let i = pos; i < pos + run; i++) {
        const x = Math.floor(i / height);
        const y = i - x * height;
        data[y * width + x] = 1;
      }
    }
    pos += run;
    value ^= 1;
  }
  return { data, width, height };
}

/** Number of pixels in the mask, read straight from the runs. */
export function rleArea(rle: CocoRle): number {
  const runs = stringToCounts(rle.counts);
  let area = 0;
  for (let i = 1; i < runs.length; i += 2) area += runs[i];
  return area;
}

/** COCO [x, y, w, h] box of the mask, read from the runs; [0, 0, 0, 0] when empty. */
export function rleBbox(rle: CocoRle): Bbox {
  const [height] = rle.size;
  const runs = stringToCounts(rle.counts);
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -1;
  let y1 = -1;
  let pos = 0;
  for (let i = 0; i < runs.length; i++) {
    const start = pos;
    pos += runs[i];
    if (i % 2 === 0 || runs[i] === 0) continue;
    const end = pos - 1;
    const cs = Math.floor(start / height);
    const ce = Math.floor(end / height);
    x0 = Math.min(x0, cs);
    x1 = Math.max(x1, ce);
    // A run that crosses into the next column covers the last row of one column and the
    // first row of the next, so it spans every row.
    if (ce > cs) {
      y0 = 0;
      y1 = height - 1;
    } else {
      y0 = Math.min(y0, start - cs * height);
      y1 = Math.max(y1, end - cs * height);
    }
  }
  if (x1 < 0) return [0, 0, 0, 0];
  return [x0, y0, x1 - x0 + 1, y1 - y0 + 1];
}
