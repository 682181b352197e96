import { describe, expect, it } from 'vitest';
import {
  type BinaryMask, countsToString, decodeRle, encodeRle, rleArea, rleBbox, stringToCounts,
} from './rle.js';

/** Builds a row-major mask from rows of '0'/'1' characters. */
function mask(rows: string[]): BinaryMask {
  const height = rows.length;
  const width = rows[0].length;
  const data = new Uint8Array(width * height);
  rows.forEach((row, y) => [...row].forEach((c, x) => {
    data[y * width + x] = c === '1' ? 1 : 0;
  }));
  return { data, width, height };
}

// Worked out by hand from the format: runs are read down each column, zeros first; values are
// 5-bit chunks + 48 with 0x20 = "more follows", 0x10 on the last chunk = negative; from the
// fourth run on, the difference to the run two back is written.
const VECTORS: Array<{ what: string; mask: BinaryMask; runs: number[]; counts: string }> = [
  {
    what: 'a 2×2 square in a 4×4 mask',
    mask: mask(['0000', '0110', '0110', '0000']),
    runs: [5, 2, 2, 2, 5], // run 3: 2 - 2 = 0 → '0'; run 4: 5 - 2 = 3 → '3'
    counts: '52203',
  },
  { what: 'an empty 3×2 mask', mask: mask(['00', '00', '00']), runs: [6], counts: '6' },
  { what: 'a full 2×2 mask', mask: mask(['11', '11']), runs: [0, 4], counts: '04' },
  {
    what: 'a run of 40 (two chunks: 8 | 0x20 → "X", then 1 → "1")',
    mask: mask(Array.from({ length: 10 }, () => '00001')),
    runs: [40, 10],
    counts: 'X1:',
  },
  {
    what: 'a negative difference (2 - 5 = -3 → chunk 29 → "M")',
    mask: mask(['0', '1', '1', '1', '1', '1', '0', '0', '0', '1', '1']),
    runs: [1, 5, 3, 2],
    counts: '153M',
  },
  {
    what: 'a run that crosses into the next column',
    mask: mask(['0100', '0000', '1000']),
    runs: [2, 2, 8],
    counts: '228',
  },
];

describe('COCO RLE', () => {
  for (const v of VECTORS) {
    it(`encodes and decodes ${v.what}`, () => {
      expect(stringToCounts(v.counts)).toEqual(v.runs);
      expect(countsToString(v.runs)).toBe(v.counts);
      const rle = encodeRle(v.mask);
      expect(rle).toEqual({ size: [v.mask.height, v.mask.width], counts: v.counts });
      expect(Array.from(decodeRle(rle).data)).toEqual(Array.from(v.mask.data));
    });
  }

  it('reads area and bbox from the runs', () => {
    expect(rleArea({ size: [4, 4], counts: '52203' })).toBe(4);
    expect(rleBbox({ size: [4, 4], counts: '52203' })).toEqual([1, 1, 2, 2]);
    expect(rleBbox({ size: [3, 4], counts: '228' })).toEqual([0, 0, 2, 3]);
    expect(rleBbox({ size: [3, 2], counts: '6' })).toEqual([0, 0, 0, 0]);
    expect(rleArea({ size: [10, 5], counts: 'X1:' })).toBe(10);
    expect(rleBbox({ size: [10, 5], counts: 'X1:' })).toEqual([4, 0, 1, 10]);
  });

  it('round-trips random masks and agrees with a brute-force area and bbox', () => {
    let seed = 7;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    for (let n = 0; n < 200; n++) {
      const width = 1 + Math.floor(rand() * 40);
      const height = 1 + Math.floor(rand() * 40);
      const p = rand();
      const data = new Uint8Array(width * height).map(() => (rand() < p ? 1 : 0));
      const m = { data, width, height };
      const rle = encodeRle(m);
      expect(Array.from(decodeRle(rle).data)).toEqual(Array.from(data));
      let area = 0; let x0 = width; let y0 = height; let x1 = -1; let y1 = -1;
      data.forEach((v, i) => {
        if (!v) return;
        const x = i % width; const y = Math.floor(i / width);
        area++;
        x0 = Math.min(x0, x); y0 = Math.min(y0, y);
        x1 = Math.max(x1, x); y1 = Math.max(y1, y);
      });
      expect(rleArea(rle)).toBe(area);
      expect(rleBbox(rle)).toEqual(area ? [x0, y0, x1 - x0 + 1, y1 - y0 + 1] : [0, 0, 0, 0]);
    }
  });

  it('rejects a truncated or invalid counts string with a code', () => {
    expect(() => decodeRle({ size: [4, 4], counts: 'X' })).toThrow(/ends inside a number/);
    expect(() => decodeRle({ size: [4, 4], counts: '5~' })).toThrow(/invalid character/);
    expect(() => decodeRle({ size: [2, 2], counts: '9' })).toThrow(/do not fit/);
  });
});
