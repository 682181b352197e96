/** Uploaded image bytes → RGB pixels for the pixel pipeline, with libvips (sharp). */
import sharp from 'sharp';
import { PixloomError } from '../../../shared/src/errors.js';
import { type ImageInfo, type ImageLimits, inspectImage } from '../../../shared/src/image.js';
import type { RgbImage } from './pixel-engine.js';

export interface DecodedImage {
  /** RGB, HWC, as displayed: EXIF orientation applied, alpha flattened onto black. */
  image: RgbImage;
  /** Format and size read from the header before decoding. */
  info: ImageInfo;
}

/**
 * Checks the bytes (format, limits) from the header, then decodes them.
 *
 * @throws PixloomError `UNSUPPORTED_IMAGE`, `IMAGE_TOO_LARGE` or `BAD_IMAGE`
 */
export async function decodeImage(bytes: Uint8Array, limits: ImageLimits): Promise<DecodedImage> {
  const info = inspectImage(bytes, limits);
  try {
    const { data, info: raw } = await sharp(bytes, {
      failOn: 'error',
      limitInputPixels: limits.maxPixels,
    })
      .rotate()
      .flatten({ background: '#000000' })
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (raw.channels !== 3) throw new Error(`libvips gave ${raw.channels} channels, not 3`);
    const pixels = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    return { image: { data: pixels, width: raw.width, height: raw.height }, info };
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
    throw new PixloomError('BAD_IMAGE', `The ${info.format.toUpperCase()} image could not be `
      + `decoded (${reason}); send a complete, uncorrupted PNG, JPEG or WebP file.`, { cause });
  }
}
