/**
 * The DDIM loop for one batch of panels of one character, with classifier-free guidance and
 * Consistent Self-Attention. The identity batch runs with its frames reading each other and
 * keeps its hidden states per step; a later panel runs alone and reads those stored states.
 */
import {
  type ConsistentGate, layerSwitches, sampleConsistentMask,
} from './consistent-attention.js';
import type { Prng } from './prng.js';
import { DdimScheduler, guide } from './scheduler.js';
import { concatFrames, frameOf, type StoryGraphs } from './story-graphs.js';

/** Hidden states of the identity frames: per step, per layer, `[2·n, T, C]` (cond first). */
export type IdentityStore = Float32Array[][];

export interface DenoiseBatch {
  /** Initial noise per panel. */
  noise: Float32Array[];
  /** Text states per panel (conditional). */
  cond: Float32Array[];
  /** Text states of the empty prompt. */
  uncond: Float32Array;
  scheduler: DdimScheduler;
  guidance: number;
  /** Consistent Self-Attention settings; absent for plain self-attention. */
  consistent?: { rate: number; gate: ConsistentGate; rng: Prng };
  /** Stored identity hidden states to read (later panels), with the identity frame count. */
  identity?: { store: IdentityStore; frames: number };
  /** Keep this batch's hidden states (the identity batch of a story with later panels). */
  keep?: boolean;
  /** Called after every step, before the next; may throw to stop (cancellation). */
  onStep?: (step: number) => void | Promise<void>;
}

/** Runs the loop; returns the final latents per panel and, with `keep`, the store. */
export async function denoise(graphs: StoryGraphs, batch: DenoiseBatch):
Promise<{ latents: Float32Array[]; store: IdentityStore }> {
  const n = batch.noise.length;
  const per = batch.noise[0].length;
  const layers = graphs.settings.consistentAttention.layers;
  const tokens = graphs.settings.consistentAttention.maskTokens;
  const refCount = batch.identity ? 2 * batch.identity.frames : 0;
  const groups = [...Array(n).fill(0), ...Array(n).fill(1)];
  const refGroups = [...Array(refCount / 2).fill(0), ...Array(refCount / 2).fill(1)];
  const context = concatFrames([...batch.cond, ...Array(n).fill(batch.uncond)]);
  const steps = batch.scheduler.timesteps.length;
  const store: IdentityStore = [];
  let x = batch.noise.map((f) => f.slice());

  for (let i = 0; i < steps; i++) {
    const c = batch.consistent;
    const mask = c
      ? sampleConsistentMask({ batchGroups: groups, refGroups, rate: c.rate, tokens }, c.rng)
      : new Float32Array(2 * n * (2 * n + refCount) * tokens);
    const switches = c ? layerSwitches(i, steps, layers.length, c.gate, c.rng)
      : new Float32Array(layers.length);
    const refs = batch.identity ? batch.identity.store[i]
      : layers.map(() => new Float32Array(0));
    const out = await graphs.unet({
      latent: concatFrames([...x, ...x]), batch: 2 * n, timestep: batch.scheduler.timesteps[i],
      context, mask, switches, refs, refCount,
    });
    if (batch.keep) store.push(out.hidden);
    x = x.map((xf, f) => {
      const v = guide(frameOf(out.v, f, per), frameOf(out.v, n + f, per), batch.guidance);
      return batch.scheduler.step(i, xf, v);
    });
    await batch.onStep?.(i);
  }
  return { latents: x, store };
}
