/** Loads a story bundle's fixed evaluation set: stories and the renderer's motion clips. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { crop } from './images.js';
import type { EvalStory } from './measures.js';
import type { StorySettings } from './story-manifest.js';
import type { RgbImage } from './types.js';

/** The held-out stories (eval/stories.json). */
export async function loadEvalStories(dir: string, settings: StorySettings):
Promise<EvalStory[]> {
  if (!settings.eval) throw new Error('this bundle has no eval set; export it with one');
  return JSON.parse(await readFile(join(dir, settings.eval.stories), 'utf8')) as EvalStory[];
}

/** Motion clips: a PNG with one clip per row and one frame per column. */
export async function loadMotionClips(dir: string, settings: StorySettings):
Promise<RgbImage[][]> {
  if (!settings.eval) throw new Error('this bundle has no eval set; export it with one');
  const { data, info } = await sharp(join(dir, settings.eval.motionClips))
    .removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const grid: RgbImage = { data: new Uint8Array(data), width: info.width, height: info.height };
  const size = settings.image.size;
  const frames = settings.eval.clipFrames;
  const clips: RgbImage[][] = [];
  for (let r = 0; r < info.height / size; r++) {
    clips.push(Array.from({ length: frames },
      (_, f) => crop(grid, f * size, r * size, size, size)));
  }
  return clips;
}
