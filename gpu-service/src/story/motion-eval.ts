/**
 * Motion quality: for each of the renderer's clips, the motion predictor fills the frames
 * between the first and the last from their latents; the error against the true frames is
 * compared with plain latent interpolation and with the autoencoder's own round trip.
 */
import { fromRgb, meanAbsDiff, toRgb } from './images.js';
import { mean } from './measures.js';
import { concatFrames, frameOf, type StoryGraphs } from './story-graphs.js';
import type { RgbImage } from './types.js';

export interface MotionEvalResult {
  /** Mean absolute pixel error (0–1 scale) of the predicted in-between frames. */
  predictor: number;
  /** The same for plain linear interpolation of the two keyframe latents. */
  linear: number;
  /** The same for encoding and decoding the true frames: the floor both share. */
  autoencoder: number;
  /** Rows for a grid: per clip, true frames, predicted frames, interpolated frames. */
  rows: RgbImage[][];
}

export async function evaluateMotion(graphs: StoryGraphs, clips: RgbImage[][], gridClips = 4):
Promise<MotionEvalResult> {
  const size = graphs.settings.image.size;
  const errors = { predictor: [] as number[], linear: [] as number[], autoencoder: [] as number[] };
  const rows: RgbImage[][] = [];
  const decode = async (latents: Float32Array, n: number) => {
    const images = await graphs.decode(latents, n);
    return Array.from({ length: n }, (_, i) => toRgb(images, i, size));
  };

  for (const [c, clip] of clips.entries()) {
    const m = clip.length - 2;
    const latents = await graphs.encodeImage(fromRgb(clip), clip.length);
    const per = latents.length / clip.length;
    const first = frameOf(latents, 0, per);
    const last = frameOf(latents, clip.length - 1, per);
    const fraction = Float32Array.from({ length: m }, (_, i) => (i + 1) / (clip.length - 1));
    const predicted = await graphs.motion(concatFrames(Array(m).fill(first)),
      concatFrames(Array(m).fill(last)), fraction);
    const lerp = concatFrames(Array.from(fraction, (s) => {
      const z = new Float32Array(per);
      for (let j = 0; j < per; j++) z[j] = first[j] + (last[j] - first[j]) * s;
      return z;
    }));
    const truth = clip.slice(1, -1);
    const inner = concatFrames(Array.from({ length: m }, (_, i) => frameOf(latents, i + 1, per)));
    const outs = {
      predictor: await decode(predicted, m), linear: await decode(lerp, m),
      autoencoder: await decode(inner, m),
    };
    for (const key of ['predictor', 'linear', 'autoencoder'] as const) {
      outs[key].forEach((img, i) => errors[key].push(meanAbsDiff(img, truth[i])));
    }
    if (c < gridClips) {
      rows.push(clip, [clip[0], ...outs.predictor, clip[clip.length - 1]],
        [clip[0], ...outs.linear, clip[clip.length - 1]]);
    }
  }
  return {
    predictor: mean(errors.predictor), linear: mean(errors.linear),
    autoencoder: mean(errors.autoencoder), rows,
  };
}
