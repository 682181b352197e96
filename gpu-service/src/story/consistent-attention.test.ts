/** Sampling masks and gating of Consistent Self-Attention. */
import { describe, expect, it } from 'vitest';
import {
  ALWAYS_ON_GATE, layerSwitches, PAPER_GATE, sampleConsistentMask,
} from './consistent-attention.js';
import { Prng } from './prng.js';

const T = 256;

function block(mask: Float32Array, frames: number, i: number, j: number): Float32Array {
  return mask.subarray((i * frames + j) * T, (i * frames + j + 1) * T);
}

const sum = (a: Float32Array) => a.reduce((s, v) => s + v, 0);

describe('sampleConsistentMask', () => {
  it('keeps tokens of the other frames of the same group at the rate, never its own', () => {
    // identity batch of 3 panels: cond frames 0-2 (group 0), uncond frames 3-5 (group 1)
    const spec = { batchGroups: [0, 0, 0, 1, 1, 1], refGroups: [], rate: 0.5, tokens: T };
    const mask = sampleConsistentMask(spec, new Prng(7));
    expect(mask).toHaveLength(6 * 6 * T);
    for (let i = 0; i < 6; i++) {
      for (let j = 0; j < 6; j++) {
        const kept = sum(block(mask, 6, i, j));
        const sameGroup = spec.batchGroups[i] === spec.batchGroups[j];
        if (i === j || !sameGroup) expect(kept, `${i}->${j}`).toBe(0);
        else expect(kept / T, `${i}->${j}`).toBeGreaterThan(0.4);
        if (i !== j && sameGroup) expect(kept / T).toBeLessThan(0.6);
      }
    }
  });

  it('lets a later panel read only the identity frames of its own guidance half', () => {
    // later panel: cond (0) and uncond (1); stored identity frames: 2 cond, 2 uncond
    const spec = { batchGroups: [0, 1], refGroups: [0, 0, 1, 1], rate: 1, tokens: T };
    const mask = sampleConsistentMask(spec, new Prng(1));
    const kept = (i: number, j: number) => sum(block(mask, 6, i, j));
    expect([0, 1, 2, 3, 4, 5].map((j) => kept(0, j))).toEqual([0, 0, T, T, 0, 0]);
    expect([0, 1, 2, 3, 4, 5].map((j) => kept(1, j))).toEqual([0, 0, 0, 0, T, T]);
  });

  it('is all zeros at rate 0 and the same for the same seed', () => {
    const spec = { batchGroups: [0, 0, 1, 1], refGroups: [], rate: 0, tokens: T };
    expect(sum(sampleConsistentMask(spec, new Prng(3)))).toBe(0);
    const half = { ...spec, rate: 0.5 };
    const again = sampleConsistentMask(half, new Prng(3));
    expect(sampleConsistentMask(half, new Prng(3))).toEqual(again);
    expect(sampleConsistentMask(half, new Prng(3))).not.toEqual(
      sampleConsistentMask(half, new Prng(4)));
  });

  it('keeps close to `rate` of the tokens overall', () => {
    const spec = { batchGroups: [0, 0, 1, 1], refGroups: [], rate: 0.3, tokens: T };
    const mask = sampleConsistentMask(spec, new Prng(11));
    const eligible = 4 * T; // (0,1), (1,0), (2,3), (3,2)
    expect(sum(mask) / eligible).toBeCloseTo(0.3, 1);
  });
});

describe('layerSwitches', () => {
  it('keeps the first step plain and then gates like the paper', () => {
    const rng = new Prng(5);
    expect(Array.from(layerSwitches(0, 50, 3, PAPER_GATE, rng))).toEqual([0, 0, 0]);
    let early = 0;
    let late = 0;
    for (let k = 0; k < 400; k++) {
      early += sum(layerSwitches(5, 50, 3, PAPER_GATE, rng));
      late += sum(layerSwitches(40, 50, 3, PAPER_GATE, rng));
    }
    expect(early / 1200).toBeCloseTo(0.7, 1);
    expect(late / 1200).toBeCloseTo(0.9, 1);
  });

  it('switches every layer on at every step with the always-on gate', () => {
    const rng = new Prng(5);
    for (const step of [0, 1, 24]) {
      expect(Array.from(layerSwitches(step, 25, 3, ALWAYS_ON_GATE, rng))).toEqual([1, 1, 1]);
    }
  });
});
