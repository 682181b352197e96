/**
 * The page's COCO RLE decoder (served as /playground/rle.js): the same reading of compressed
 * counts as shared/src/rle.ts, in plain browser JavaScript. A test decodes masks with both.
 */
export const RLE_JS = String.raw`
/**
 * Decodes COCO compressed RLE ({ size: [height, width], counts }, column-major) into a
 * row-major Uint8Array of 0 and 1.
 */
export function decodeRle(rle) {
  const height = rle.size[0];
  const width = rle.size[1];
  const data = new Uint8Array(width * height);
  let pos = 0;
  let value = 0;
  for (const run of readCounts(rle.counts)) {
    if (run < 0 || pos + run > width * height) throw new Error('RLE runs overflow the mask');
    if (value === 1) {
      for (let i = pos; i < pos + run; i++) {
        const x = Math.floor(i / height);
        const y = i - x * height;
        data[y * width + x] = 1;
      }
    }
    pos += run;
    value = 1 - value;
  }
  return data;
}

/** Run lengths from a counts string: 5-bit chunks, deltas from the fourth run on. */
function readCounts(counts) {
  const runs = [];
  let p = 0;
  while (p < counts.length) {
    let x = 0;
    let k = 0;
    let more = true;
    while (more) {
      const c = counts.charCodeAt(p) - 48;
      if (!(c >= 0 && c <= 63)) throw new Error('RLE counts string is malformed');
      x |= (c & 0x1f) << (5 * k);
      more = (c & 0x20) !== 0;
      p++;
      k++;
      if (!more && (c & 0x10)) x |= -1 << (5 * k);
    }
    if (runs.length > 2) x += runs[runs.length - 2];
    runs.push(x);
  }
  return runs;
}
`;
