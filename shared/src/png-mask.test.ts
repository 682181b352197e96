import { decode } from 'fast-png';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { inspectImage } from './image.js';
import { encodeMaskPng } from './png-mask.js';

const width = 5;
const height = 3;
// A plus sign, plus one pixel in the bottom-right corner.
const mask = Uint8Array.from([
  0, 0, 1, 0, 0,
  0, 1, 1, 1, 0,
  0, 0, 1, 0, 1,
]);

describe('encodeMaskPng', () => {
  it('writes a 1-channel 8-bit PNG with 255 on the mask and 0 elsewhere', () => {
    const png = encodeMaskPng(mask, width, height);
    expect(inspectImage(png)).toMatchObject({ format: 'png', width, height });
    const image = decode(png);
    expect(image).toMatchObject({ width, height, channels: 1, depth: 8 });
    expect(Array.from(image.data)).toEqual(Array.from(mask, (v) => v * 255));
  });

  it('writes an RGBA overlay: the colour on the mask, transparent elsewhere', () => {
    const png = encodeMaskPng(mask, width, height, { mode: 'rgba', color: [0, 200, 255, 128] });
    const image = decode(png);
    expect(image).toMatchObject({ width, height, channels: 4, depth: 8 });
    const pixel = (x: number, y: number) => Array.from(image.data.slice((y * width + x) * 4,
      (y * width + x + 1) * 4));
    expect(pixel(2, 1)).toEqual([0, 200, 255, 128]);
    expect(pixel(4, 2)).toEqual([0, 200, 255, 128]);
    expect(pixel(0, 0)).toEqual([0, 0, 0, 0]);
    expect(pixel(4, 0)).toEqual([0, 0, 0, 0]);
  });

  it('is read back the same by libvips', async () => {
    const png = encodeMaskPng(mask, width, height);
    expect(await sharp(png).metadata()).toMatchObject({ width, height, channels: 1 });
    const data = await sharp(png).extractChannel(0).raw().toBuffer();
    expect(Array.from(data)).toEqual(Array.from(mask, (v) => v * 255));
  });

  it('treats any non-zero value as mask and checks its arguments', () => {
    const soft = Uint8Array.from([0, 7, 255, 1]);
    expect(Array.from(decode(encodeMaskPng(soft, 2, 2)).data)).toEqual([0, 255, 255, 255]);
    expect(() => encodeMaskPng(mask, 4, 4)).toThrow(/15 values, expected 4×4/);
    expect(() => encodeMaskPng(new Uint8Array(0), 0, 0)).toThrow(/positive integers/);
    expect(() => encodeMaskPng(soft, 2, 2, { mode: 'rgba', color: [0, 0, 300, 1] }))
      .toThrow(/four integers/);
  });
});
