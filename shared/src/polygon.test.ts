import { describe, expect, it } from 'vitest';
import { fillPolygons, maskToPolygons, polygonArea } from './polygon.js';

/** Builds a mask from rows of '#' (foreground) and '.' (background). */
function draw(...rows: string[]): { mask: Uint8Array; width: number; height: number } {
  const width = rows[0].length;
  const mask = Uint8Array.from(rows.join(''), (c) => (c === '#' ? 1 : 0));
  return { mask, width, height: rows.length };
}

function disk(size: number, cx: number, cy: number, r: number): Uint8Array {
  const mask = new Uint8Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      mask[y * size + x] = (x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2 <= r * r ? 1 : 0;
    }
  }
  return mask;
}

function iou(a: Uint8Array, b: Uint8Array): number {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    inter += a[i] & b[i];
    union += a[i] | b[i];
  }
  return inter / union;
}

describe('maskToPolygons', () => {
  it('outlines a single pixel and a rectangle by their corners, clockwise', () => {
    const pixel = draw('...', '.#.', '...');
    expect(maskToPolygons(pixel.mask, 3, 3, { tolerance: 0 })).toEqual([[1, 1, 2, 1, 2, 2, 1, 2]]);

    const rect = draw('.....', '.###.', '.###.', '.....');
    const [ring] = maskToPolygons(rect.mask, rect.width, rect.height);
    expect(ring).toEqual([1, 1, 4, 1, 4, 3, 1, 3]);
    expect(polygonArea(ring)).toBe(6);
  });

  it('outlines a mask that fills the whole image along the image border', () => {
    const full = new Uint8Array(12).fill(1);
    expect(maskToPolygons(full, 4, 3)).toEqual([[0, 0, 4, 0, 4, 3, 0, 3]]);
    expect(maskToPolygons(new Uint8Array(12), 4, 3)).toEqual([]);
  });

  it('returns holes as counter-clockwise rings, or drops them on request', () => {
    const ring = draw('####', '#..#', '#..#', '####');
    const rings = maskToPolygons(ring.mask, 4, 4, { tolerance: 0 });
    expect(rings).toEqual([[0, 0, 4, 0, 4, 4, 0, 4], [1, 1, 1, 3, 3, 3, 3, 1]]);
    expect(rings.map(polygonArea)).toEqual([16, -4]);
    expect(maskToPolygons(ring.mask, 4, 4, { holes: false })).toEqual([[0, 0, 4, 0, 4, 4, 0, 4]]);
  });

  it('keeps pixels that touch only at a corner in separate rings', () => {
    const diagonal = draw('#.', '.#');
    expect(maskToPolygons(diagonal.mask, 2, 2, { tolerance: 0 })).toEqual([
      [0, 0, 1, 0, 1, 1, 0, 1],
      [1, 1, 2, 1, 2, 2, 1, 2],
    ]);
    const other = draw('.#', '#.');
    expect(maskToPolygons(other.mask, 2, 2, { tolerance: 0 }).map(polygonArea)).toEqual([1, 1]);
  });

  it('traces an L shape and a ring that passes one corner twice', () => {
    const l = draw('#..', '#..', '###');
    expect(maskToPolygons(l.mask, 3, 3, { tolerance: 0 }))
      .toEqual([[0, 0, 1, 0, 1, 2, 3, 2, 3, 3, 0, 3]]);

    // The hole touches the outside at the corner (2, 2) of the two diagonal background pixels.
    const pinched = draw('###.', '#.##', '####');
    const rings = maskToPolygons(pinched.mask, 4, 3, { tolerance: 0 });
    expect(fillPolygons(rings, 4, 3)).toEqual(pinched.mask);
  });

  it('gives the mask back exactly at tolerance 0 (random masks, even-odd fill)', () => {
    let seed = 12345;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let trial = 0; trial < 20; trial++) {
      const width = 5 + (trial % 7) * 4;
      const height = 4 + (trial % 5) * 5;
      const density = 0.2 + (trial % 4) * 0.2;
      const mask = Uint8Array.from({ length: width * height }, () => (random() < density ? 1 : 0));
      const rings = maskToPolygons(mask, width, height, { tolerance: 0, minArea: 0 });
      expect(fillPolygons(rings, width, height)).toEqual(mask);
      const area = rings.reduce((sum, r) => sum + polygonArea(r), 0);
      expect(area).toBe(mask.reduce((a, b) => a + b, 0));
    }
  });

  it('simplifies a disk to far fewer vertices at IoU above 0.97', () => {
    const mask = disk(64, 32, 32, 20);
    const exact = maskToPolygons(mask, 64, 64, { tolerance: 0 });
    const simple = maskToPolygons(mask, 64, 64, { tolerance: 1 });
    expect(exact).toHaveLength(1);
    expect(simple).toHaveLength(1);
    expect(simple[0].length / 2).toBeLessThan(exact[0].length / 4);
    expect(iou(fillPolygons(simple, 64, 64), mask)).toBeGreaterThan(0.97);
    expect(polygonArea(simple[0])).toBeCloseTo(Math.PI * 400, -1.5);
  });

  it('drops rings smaller than minArea and checks the mask size', () => {
    const specks = draw('#....', '.....', '..###', '..###');
    expect(maskToPolygons(specks.mask, 5, 4, { minArea: 2 })).toEqual([[2, 2, 5, 2, 5, 4, 2, 4]]);
    expect(() => maskToPolygons(new Uint8Array(5), 2, 2)).toThrow(/5 values, expected 2×2/);
  });
});
