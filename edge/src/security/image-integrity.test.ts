import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { corruptImages, untidyPngs } from '../../../test/hardening/corrupt-images';
import { checkImageIntegrity } from './image-integrity';
import { decodedPngSize } from './png-image-data';

const fixture = (name: string) => new Uint8Array(readFileSync(join(import.meta.dirname, '..',
  '..', '..', 'test', 'fixtures', 'bad-inputs', name)));

const FORMAT = { 'image/png': 'png', 'image/jpeg': 'jpeg', 'image/webp': 'webp' } as const;

describe('checkImageIntegrity', () => {
  it('passes complete files, animated, 16-bit and rotated ones included', async () => {
    for (const { bytes } of untidyPngs(fixture('ok.png'))) {
      await expect(checkImageIntegrity(bytes, 'png')).resolves.toBeUndefined();
    }
    for (const [name, format] of [['ok.png', 'png'], ['ok.jpg', 'jpeg'], ['ok.webp', 'webp'],
      ['animated.png', 'png'], ['animated.webp', 'webp'], ['16-bit.png', 'png'],
      ['exif-orientation-6.jpg', 'jpeg']] as const) {
      await expect(checkImageIntegrity(fixture(name), format)).resolves.toBeUndefined();
    }
  });

  it('refuses files cut short, with BAD_IMAGE and what is missing', async () => {
    const cases = [['no-iend.png', 'png', /before its IEND chunk/],
      ['truncated-tail.jpg', 'jpeg', /ends before its image data/],
      ['truncated-tail.webp', 'webp', /states 38 bytes, the file has 32/]] as const;
    for (const [name, format, message] of cases) {
      await expect(checkImageIntegrity(fixture(name), format)).rejects.toThrow(message);
    }
    const noEoi = fixture('ok.jpg').subarray(0, -2);
    await expect(checkImageIntegrity(noEoi, 'jpeg')).rejects.toThrow(/no end-of-image marker/);
  });

  it('refuses files whose container is whole but whose content is not', async () => {
    const ok = { png: fixture('ok.png'), jpeg: fixture('ok.jpg'), webp: fixture('ok.webp') };
    for (const image of corruptImages(ok)) {
      const checked = checkImageIntegrity(image.bytes, FORMAT[image.type as keyof typeof FORMAT]);
      await expect(checked, image.name).rejects.toMatchObject({ code: 'BAD_IMAGE',
        message: expect.stringMatching(image.message) });
    }
  });
});

describe('decodedPngSize', () => {
  it('counts a filter byte per scanline and packs sub-byte pixels', () => {
    const base = { width: 24, height: 16, bitDepth: 8, colorType: 2, interlaced: false };
    expect(decodedPngSize(base)).toBe(16 * (1 + 72));
    expect(decodedPngSize({ ...base, bitDepth: 16, colorType: 6 })).toBe(16 * (1 + 192));
    expect(decodedPngSize({ ...base, width: 3, bitDepth: 1, colorType: 0 })).toBe(16 * 2);
  });

  it('sums the seven Adam7 passes of an interlaced image, skipping empty ones', () => {
    // 1 × 1: only the first pass has a pixel.
    expect(decodedPngSize({ width: 1, height: 1, bitDepth: 8, colorType: 0, interlaced: true }))
      .toBe(2);
    // 8 × 8 grey: passes of 1×1, 1×1, 2×1, 2×2, 4×2, 4×4, 8×4 pixels.
    expect(decodedPngSize({ width: 8, height: 8, bitDepth: 8, colorType: 0, interlaced: true }))
      .toBe(2 + 2 + 3 + 2 * 3 + 2 * 5 + 4 * 5 + 4 * 9);
  });
});
