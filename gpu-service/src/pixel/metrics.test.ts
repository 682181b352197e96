import { describe, expect, it } from 'vitest';
import type { BinaryMask } from '../../../shared/src/rle.js';
import { hungarian, scoreQuestion, Tally } from './metrics.js';

function m(rows: string[]): BinaryMask {
  const width = rows[0].length;
  const data = Uint8Array.from(rows.join('').split('').map((c) => (c === '1' ? 1 : 0)));
  return { data, width, height: rows.length };
}

describe('hungarian', () => {
  it('finds the minimum-cost assignment', () => {
    const cost = [[4, 1, 3], [2, 0, 5], [3, 2, 2]];
    const pairs = hungarian(cost);
    const total = pairs.reduce((s, [r, c]) => s + cost[r][c], 0);
    expect(total).toBe(5); // 1 + 2 + 2
    expect(pairs).toHaveLength(3);
  });

  it('handles more rows than columns and the reverse', () => {
    expect(hungarian([[1], [0], [3]])).toEqual([[1, 0]]);
    const wide = hungarian([[5, 1, 9]]);
    expect(wide).toEqual([[0, 1]]);
  });
});

describe('scoreQuestion', () => {
  const a = m(['1100', '1100', '0000']);
  const b = m(['0000', '0011', '0011']);
  const aHalf = m(['1000', '1000', '0000']);

  it('gives 1 when nothing is predicted and nothing is true', () => {
    expect(scoreQuestion([], [])).toEqual({ gIoU: 1, intersection: 0, union: 0 });
  });

  it('matches predictions to truths regardless of order', () => {
    const s = scoreQuestion([b, a], [a, b]);
    expect(s.gIoU).toBe(1);
    expect(s.intersection).toBe(8);
    expect(s.union).toBe(8);
  });

  it('counts an unmatched truth as an empty prediction', () => {
    // a matched exactly, b missed: (1 + 0) / 2; union adds b's area
    const s = scoreQuestion([a], [a, b]);
    expect(s.gIoU).toBe(0.5);
    expect(s.intersection).toBe(4);
    expect(s.union).toBe(8);
  });

  it('counts an extra prediction against the question', () => {
    const s = scoreQuestion([aHalf, b], [a]);
    expect(s.gIoU).toBeCloseTo(0.25, 12); // IoU(aHalf, a) = 2 / 4, over max(2, 1)
    expect(s.union).toBe(8);
  });

  it('gives 0 to targets predicted for a question without targets', () => {
    expect(scoreQuestion([a], []).gIoU).toBe(0);
  });
});

describe('Tally', () => {
  it('reports by family, by target count, exact answers and none accuracy', () => {
    const t = new Tally();
    t.add('kind', 1, 1, { gIoU: 0.8, intersection: 8, union: 10 }, true);
    t.add('kind', 3, 3, { gIoU: 0.6, intersection: 6, union: 10 }, false);
    t.add('none', 0, 0, { gIoU: 1, intersection: 0, union: 0 }, true);
    t.add('none', 0, 1, { gIoU: 0, intersection: 0, union: 5 }, false);
    const r = t.report();
    expect(r.gIoU).toBeCloseTo(0.6, 12);
    expect(r.cIoU).toBeCloseTo(14 / 25, 12);
    expect(r.byFamily.kind.gIoU).toBeCloseTo(0.7, 12);
    expect(r.byTargets['3+']).toEqual({ gIoU: 0.6, cIoU: 0.6, count: 1 });
    expect(r.byTargets['0'].count).toBe(2);
    expect(r.exactAnswer).toBe(0.5);
    expect(r.noneAccuracy).toBe(0.5);
  });
});
