/**
 * The story-specific part of a story bundle's manifest (kind "story"): latent shape, scheduler,
 * text length, the Consistent Self-Attention layers of the UNet, the classifier's heads and the
 * fixed evaluation set. Kept generic: a bundle exported from a real StoryDiffusion checkpoint
 * would fill the same fields with its own sizes.
 */
import type { BundleManifest } from '../../../shared/src/manifest.js';
import type { SchedulerSettings } from './scheduler.js';

export interface ConsistentLayer {
  /** UNet input that takes the stored identity hidden states of this layer, `[refs, T, C]`. */
  ref: string;
  /** UNet output with this layer's self-attention hidden states, `[batch, T, C]`. */
  hidden: string;
  tokens: number;
  channels: number;
}

export interface StorySettings {
  latent: { channels: number; height: number; width: number };
  image: { size: number };
  scheduler: SchedulerSettings;
  text: { maxTokens: number; dim: number };
  consistentAttention: {
    /** Tokens of the sampling-mask grid (`csa_mask` is `[batch, batch + refs, maskTokens]`). */
    maskTokens: number;
    layers: ConsistentLayer[];
    defaultRate: number;
  };
  classifier: { heads: { name: string; output: string; classes: string[] }[] };
  eval?: { stories: string; motionClips: string; clipFrames: number };
}

function need(ok: boolean, what: string): void {
  if (!ok) throw new Error(`story manifest: ${what}; export the bundle again`);
}

/** Reads the story fields of a manifest, checking that they are there. */
export function storySettings(manifest: BundleManifest): StorySettings {
  need(manifest.kind === 'story', `kind is ${manifest.kind}, not story`);
  const m = manifest as unknown as StorySettings;
  need(typeof m.latent?.channels === 'number', 'latent shape missing');
  need(typeof m.scheduler?.timesteps === 'number', 'scheduler missing');
  need(typeof m.text?.maxTokens === 'number', 'text.maxTokens missing');
  need(Array.isArray(m.consistentAttention?.layers), 'consistentAttention.layers missing');
  need(Array.isArray(m.classifier?.heads), 'classifier.heads missing');
  for (const key of ['text_encoder', 'unet', 'latent_decoder', 'motion_predictor']) {
    need(key in manifest.graphs, `graph ${key} missing`);
  }
  return m;
}
