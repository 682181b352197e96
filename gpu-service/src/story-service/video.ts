/**
 * The story video as an animated WebP, written by sharp (libvips). Chosen because every current
 * browser plays it in an <img> and from its URL, sharp is already a dependency of the service
 * and writes it without a separate encoder binary (MP4/H.264 would need ffmpeg, which no
 * well-kept npm package ships here), and lossless mode keeps the sprites' pixels exact.
 */
import sharp from 'sharp';
import type { RgbImage } from '../story/types.js';

export const VIDEO_CONTENT_TYPE = 'image/webp';

export interface StoryVideo {
  file: Uint8Array;
  contentType: string;
  frames: number;
  fps: number;
}

/**
 * Encodes frames (all the same size) as a looping animated WebP at `fps`, each frame scaled by
 * `scale` with nearest-neighbour sampling.
 */
export async function encodeVideo(frames: RgbImage[], fps: number, scale = 4):
Promise<StoryVideo> {
  if (frames.length === 0) throw new RangeError('a video needs at least one frame');
  const pngs = await Promise.all(frames.map((f) => sharp(
    Buffer.from(f.data.buffer, f.data.byteOffset, f.data.byteLength),
    { raw: { width: f.width, height: f.height, channels: 3 } },
  ).resize(f.width * scale, f.height * scale, { kernel: 'nearest' }).png().toBuffer()));
  const delay = Math.round(1000 / fps);
  const file = frames.length === 1
    ? await sharp(pngs[0]).webp({ lossless: true }).toBuffer()
    : await sharp(pngs, { join: { animated: true } })
      .webp({ lossless: true, loop: 0, delay: frames.map(() => delay) }).toBuffer();
  return { file: new Uint8Array(file), contentType: VIDEO_CONTENT_TYPE, frames: frames.length,
    fps };
}
