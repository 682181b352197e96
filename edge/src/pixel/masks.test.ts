import { describe, expect, it } from 'vitest';
import { decodeRle } from '../../../shared/src/rle';
import { encodeMask, logitOf, TargetMask, type PngStore } from './masks';

/** RLE and polygons never touch the PNG store. */
const noPngStore = { bucket: null, baseUrl: '' } as unknown as PngStore;

/** 8×8 logits: +4 inside the square x 2..5, y 1..3 of the model frame, −4 elsewhere. */
function squareLogits(): Float32Array {
  const logits = new Float32Array(64).fill(-4);
  for (let y = 1; y <= 3; y++) for (let x = 2; x <= 5; x++) logits[y * 8 + x] = 4;
  return logits;
}

describe('TargetMask', () => {
  it('converts probability thresholds to logits', () => {
    expect(logitOf(0.5)).toBe(0);
    expect(logitOf(0.9)).toBeCloseTo(Math.log(9), 12);
  });

  it('places the content area of the logits on the image and measures it', () => {
    // The image is 16×8: in the 8×8 model frame it covers the top 8×4 (the rest is padding).
    const target = new TargetMask(squareLogits(), 8,
      { width: 16, height: 8, content: { width: 8, height: 4 } }, 0.75);
    const stats = target.stats();
    expect(stats.score).toBe(0.75);
    expect(stats.bbox).toEqual({ x: 4, y: 2, width: 8, height: 6 });
    expect(stats.area).toBe(48);
  });

  it('gives an empty mask a null box', () => {
    const target = new TargetMask(new Float32Array(64).fill(-3), 8,
      { width: 8, height: 8, content: { width: 8, height: 8 } }, 0.1);
    expect(target.stats()).toEqual({ score: 0.1, area: 0, bbox: null });
  });

  it('renders at the asked size; its COCO RLE decodes to the same mask', async () => {
    const target = new TargetMask(squareLogits(), 8,
      { width: 8, height: 8, content: { width: 8, height: 8 } }, 1);
    const mask = target.binary(8, 8, 0.5);
    const rle = await encodeMask(target, { format: 'RLE', threshold: 0.5 },
      noPngStore, 'x');
    expect(rle.kind).toBe('rle');
    if (rle.kind !== 'rle') return;
    expect(rle.size).toEqual([8, 8]);
    expect(Array.from(decodeRle(rle).data)).toEqual(Array.from(mask.data));
    const poly = await encodeMask(target, { format: 'POLYGON', threshold: 0.5 },
      noPngStore, 'x');
    expect(poly).toEqual({ kind: 'polygon', polygons: [[2, 1, 6, 1, 6, 4, 2, 4]] });
  });
});
