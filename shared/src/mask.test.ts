import { describe, expect, it } from 'vitest';
import {
  axisWeights, logitsToImageSize, maskArea, maskBbox, maskFromLogits, resample, thresholdMask,
} from './mask.js';

describe('resample', () => {
  it('keeps a plane of the same size unchanged', () => {
    const src = [1, 2, 3, 4, 5, 6];
    expect(Array.from(resample(src, 3, 2, 3, 2))).toEqual(src);
  });

  it('enlarges with bilinear samples at half-pixel centres (worked by hand)', () => {
    // 2 → 4: positions -0.25 (clamped), 0.25, 0.75, 1.25 (clamped)
    expect(Array.from(resample([0, 4], 2, 1, 4, 1))).toEqual([0, 1, 3, 4]);
  });

  it('shrinks by averaging bilinear samples over each footprint (worked by hand)', () => {
    // 4 → 2: two samples per output, at input positions 0, 1 and 2, 3
    expect(Array.from(resample([1, 3, 5, 7], 4, 1, 2, 1))).toEqual([2, 6]);
    // 3 → 2: samples at 0 (clamped) and 0.625 → 2.5; at 1.375 and 2 (clamped) → 13.5
    const out = resample([0, 8, 16], 3, 1, 2, 1);
    expect(out[0]).toBeCloseTo(2.5, 12);
    expect(out[1]).toBeCloseTo(13.5, 12);
  });

  it('resamples interleaved channels independently and columns like rows', () => {
    const rgb = [0, 10, 100, 4, 14, 104];
    expect(Array.from(resample(rgb, 2, 1, 4, 1, 3))).toEqual(
      [0, 10, 100, 1, 11, 101, 3, 13, 103, 4, 14, 104]);
    expect(Array.from(resample([0, 4], 1, 2, 1, 4))).toEqual([0, 1, 3, 4]);
  });

  it('has weights that sum to one for every output', () => {
    for (const [nIn, nOut] of [[64, 48], [48, 64], [640, 64], [7, 3]]) {
      const w = axisWeights(nIn, nOut);
      for (let o = 0; o < nOut; o++) {
        let s = 0;
        for (let t = 0; t < w.taps; t++) s += w.weight[o * w.taps + t];
        expect(s).toBeCloseTo(1, 12);
      }
    }
  });
});

describe('mask logits', () => {
  it('crops the content area before resizing, ignoring the padding', () => {
    const size = 4;
    const logits = new Float32Array(16).fill(-5);
    // content 2×2 at the top left: a positive pixel at (1, 0); padding is strongly positive
    logits[1] = 3;
    for (let y = 0; y < 4; y++) { logits[y * 4 + 2] = 9; logits[y * 4 + 3] = 9; }
    const out = logitsToImageSize(logits, size, { width: 2, height: 2 }, 2, 2);
    expect(Array.from(out)).toEqual([-5, 3, -5, -5]);
    const m = maskFromLogits(logits, size, { width: 2, height: 2 }, 4, 4);
    expect(maskArea(m)).toBeGreaterThan(0);
    expect(maskBbox(m)[0]).toBeGreaterThanOrEqual(2);
  });

  it('thresholds at 0 and measures area and bbox', () => {
    const m = thresholdMask([-1, 0, 0.5, 2, -3, 1], 3, 2);
    expect(Array.from(m.data)).toEqual([0, 0, 1, 1, 0, 1]);
    expect(maskArea(m)).toBe(3);
    expect(maskBbox(m)).toEqual([0, 0, 3, 2]);
    expect(maskBbox(thresholdMask([-1, -1], 2, 1))).toEqual([0, 0, 0, 0]);
  });
});
