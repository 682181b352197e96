import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { isPixloomError, PixloomError } from './errors.js';
import { inspectImage, sniffImageFormat } from './image.js';

/** A real file of the given format, encoded by libvips. */
async function encoded(
  format: 'png' | 'jpeg' | 'webp' | 'gif' | 'tiff',
  width: number,
  height: number,
  orientation?: number,
): Promise<Uint8Array> {
  const pixels = Buffer.alloc(width * height * 3, 128);
  let img = sharp(pixels, { raw: { width, height, channels: 3 } }).toFormat(format);
  if (orientation) img = img.withMetadata({ orientation });
  return new Uint8Array(await img.toBuffer());
}

function caught(fn: () => unknown): PixloomError {
  try {
    fn();
  } catch (e) {
    if (isPixloomError(e)) return e;
    throw e;
  }
  throw new Error('expected a PixloomError');
}

describe('sniffImageFormat', () => {
  it('detects each format from its signature', async () => {
    expect(sniffImageFormat(await encoded('png', 4, 3))).toBe('png');
    expect(sniffImageFormat(await encoded('jpeg', 4, 3))).toBe('jpeg');
    expect(sniffImageFormat(await encoded('webp', 4, 3))).toBe('webp');
    expect(sniffImageFormat(await encoded('gif', 4, 3))).toBeNull();
    expect(sniffImageFormat(new TextEncoder().encode('<svg xmlns="…"/>'))).toBeNull();
    expect(sniffImageFormat(new Uint8Array([0x89, 0x50]))).toBeNull();
  });
});

describe('inspectImage', () => {
  it('reads width and height from the header of PNG, JPEG and WebP', async () => {
    const png = await encoded('png', 37, 21);
    expect(inspectImage(png)).toEqual({
      format: 'png', width: 37, height: 21, orientation: 1, byteLength: png.length,
    });
    expect(inspectImage(await encoded('jpeg', 64, 48))).toMatchObject({
      format: 'jpeg', width: 64, height: 48, orientation: 1,
    });
    expect(inspectImage(await encoded('webp', 9, 130))).toMatchObject({
      format: 'webp', width: 9, height: 130,
    });
  });

  it('swaps width and height for a rotating EXIF orientation', async () => {
    const jpeg = await encoded('jpeg', 40, 10, 6);
    expect(inspectImage(jpeg)).toMatchObject({ width: 10, height: 40, orientation: 6 });
    const mirrored = await encoded('jpeg', 40, 10, 2);
    expect(inspectImage(mirrored)).toMatchObject({ width: 40, height: 10, orientation: 2 });
  });

  it('rejects other formats with UNSUPPORTED_IMAGE and names them', async () => {
    const gif = caught(() => inspectImage(new Uint8Array(Buffer.from('GIF89a\x05\x00\x03\x00'))));
    expect(gif.code).toBe('UNSUPPORTED_IMAGE');
    expect(gif.status).toBe(415);
    expect(gif.message).toMatch(/^The file is GIF .*PNG, JPEG or WebP/);

    const tiffBytes = await encoded('tiff', 2, 2);
    expect(caught(() => inspectImage(tiffBytes)).message).toMatch(/^The file is TIFF /);
    const text = caught(() => inspectImage(new TextEncoder().encode('hello world')));
    expect(text.code).toBe('UNSUPPORTED_IMAGE');
    expect(text.message).toMatch(/not a PNG, JPEG or WebP image/);
  });

  it('rejects empty, truncated and corrupt files with BAD_IMAGE', async () => {
    expect(caught(() => inspectImage(new Uint8Array(0))).code).toBe('BAD_IMAGE');

    const png = await encoded('png', 8, 8);
    const truncated = caught(() => inspectImage(png.slice(0, 20)));
    expect(truncated.code).toBe('BAD_IMAGE');
    expect(truncated.status).toBe(400);
    expect(truncated.message).toMatch(/PNG file is truncated or corrupt/);

    // A view into a larger buffer must not read the bytes that follow it.
    expect(caught(() => inspectImage(png.subarray(0, 20))).code).toBe('BAD_IMAGE');

    const jpeg = await encoded('jpeg', 8, 8);
    expect(caught(() => inspectImage(jpeg.slice(0, 20))).code).toBe('BAD_IMAGE');

    const zeroWidth = png.slice();
    new DataView(zeroWidth.buffer).setUint32(16, 0);
    expect(caught(() => inspectImage(zeroWidth)).code).toBe('BAD_IMAGE');
  });

  it('enforces the byte and pixel limits with IMAGE_TOO_LARGE', async () => {
    const png = await encoded('png', 100, 50);
    const bytes = caught(() => inspectImage(png, { maxBytes: 10, maxPixels: 1e9 }));
    expect(bytes.code).toBe('IMAGE_TOO_LARGE');
    expect(bytes.status).toBe(413);
    expect(bytes.message).toBe(`The image file has ${png.length} bytes; send at most 10 bytes `
      + '(compress or downscale it first).');

    const pixels = caught(() => inspectImage(png, { maxBytes: 1e9, maxPixels: 4999 }));
    expect(pixels.code).toBe('IMAGE_TOO_LARGE');
    expect(pixels.message).toBe('The image is 100×50 pixels (5000 pixels); send at most '
      + '4999 pixels (downscale it first).');
    expect(inspectImage(png, { maxBytes: png.length, maxPixels: 5000 }).width).toBe(100);
  });

  it('checks the pixel limit from the header alone', () => {
    // A PNG signature and IHDR claiming 60000 × 60000, with no image data at all.
    const header = new Uint8Array(33);
    header.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
    header.set(new TextEncoder().encode('IHDR'), 12);
    new DataView(header.buffer).setUint32(16, 60000);
    new DataView(header.buffer).setUint32(20, 60000);
    const e = caught(() => inspectImage(header));
    expect(e.code).toBe('IMAGE_TOO_LARGE');
    expect(e.message).toMatch(/^The image is 60000×60000 pixels \(3600\.0 megapixels\)/);
  });
});
