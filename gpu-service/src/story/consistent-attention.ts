/**
 * The TypeScript side of Consistent Self-Attention: it owns the seed and the rate. For every
 * UNet call it draws the sampling mask (which tokens of the other frames of the same character
 * each frame may attend to) and the per-layer switches (the paper's gating), both graph inputs.
 */
import type { Prng } from './prng.js';

export interface ConsistentMaskSpec {
  /**
   * Group of each frame in the UNet batch. Frames of one group read each other: one character
   * and one half of classifier-free guidance (conditional and unconditional never mix).
   */
  batchGroups: number[];
  /** Group of each stored identity frame passed in as `ref_*` inputs (cond first). */
  refGroups: number[];
  /** Probability that a token of another frame of the group is kept (StoryDiffusion: 0.5). */
  rate: number;
  /** Tokens of the mask grid (16×16 = 256; the graph subsamples it for coarser layers). */
  tokens: number;
}

/**
 * Draws the sampling mask `[batch, batch + refs, tokens]`: 1 where frame b keeps token k of
 * frame j. A frame's own block stays 0 (the graph always keeps all of its own tokens), and so
 * does every frame of another group.
 */
export function sampleConsistentMask(spec: ConsistentMaskSpec, rng: Prng): Float32Array {
  const groups = [...spec.batchGroups, ...spec.refGroups];
  const b = spec.batchGroups.length;
  const f = groups.length;
  const out = new Float32Array(b * f * spec.tokens);
  for (let i = 0; i < b; i++) {
    for (let j = 0; j < f; j++) {
      if (j === i || groups[j] !== spec.batchGroups[i]) continue;
      const base = (i * f + j) * spec.tokens;
      for (let k = 0; k < spec.tokens; k++) out[base + k] = rng.next() < spec.rate ? 1 : 0;
    }
  }
  return out;
}

/** When each up-block layer uses the cross-frame tokens. */
export interface ConsistentGate {
  /** Steps at the start with plain self-attention (StoryDiffusion: 1). */
  plainSteps: number;
  /** Probability that a layer is switched on, before `lateFrom` (StoryDiffusion: 0.7). */
  early: number;
  /** Probability from `lateFrom` on (StoryDiffusion: 0.9). */
  late: number;
  /** Fraction of the steps where the late probability starts (StoryDiffusion: 20 of 50). */
  lateFrom: number;
}

export const PAPER_GATE: Readonly<ConsistentGate> = {
  plainSteps: 1, early: 0.7, late: 0.9, lateFrom: 0.4,
};

/** Every layer on from the first step on (no random gating). */
export const ALWAYS_ON_GATE: Readonly<ConsistentGate> = {
  plainSteps: 0, early: 1, late: 1, lateFrom: 0,
};

/** The `csa_switch` input for step `step` of `steps`: 1 or 0 per up-block layer. */
export function layerSwitches(
  step: number, steps: number, layers: number, gate: ConsistentGate, rng: Prng,
): Float32Array {
  const out = new Float32Array(layers);
  if (step < gate.plainSteps) return out;
  const p = step >= gate.lateFrom * steps ? gate.late : gate.early;
  for (let l = 0; l < layers; l++) out[l] = p >= 1 || rng.next() < p ? 1 : 0;
  return out;
}
