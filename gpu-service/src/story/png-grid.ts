/** Writes rows of equally sized RGB images as one PNG grid, with a white gap between tiles. */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import sharp from 'sharp';
import type { RgbImage } from './types.js';

/**
 * Lays out `rows` (each a list of tiles of one size) on a white canvas and encodes it as PNG.
 * Short rows leave white space. `scale` enlarges every pixel (nearest neighbour).
 */
export async function pngGrid(rows: RgbImage[][], gap = 2, scale = 2): Promise<Buffer> {
  const tile = rows.find((r) => r.length > 0)?.[0];
  if (!tile) throw new Error('pngGrid needs at least one image');
  const cols = Math.max(...rows.map((r) => r.length));
  const tw = tile.width * scale;
  const th = tile.height * scale;
  const width = cols * tw + (cols + 1) * gap;
  const height = rows.length * th + (rows.length + 1) * gap;
  const canvas = new Uint8Array(width * height * 3).fill(255);
  rows.forEach((row, r) => row.forEach((img, c) => {
    const x0 = gap + c * (tw + gap);
    const y0 = gap + r * (th + gap);
    for (let y = 0; y < th; y++) {
      for (let x = 0; x < tw; x++) {
        const src = (Math.floor(y / scale) * img.width + Math.floor(x / scale)) * 3;
        const dst = ((y0 + y) * width + x0 + x) * 3;
        canvas[dst] = img.data[src];
        canvas[dst + 1] = img.data[src + 1];
        canvas[dst + 2] = img.data[src + 2];
      }
    }
  }));
  return sharp(canvas, { raw: { width, height, channels: 3 } }).png().toBuffer();
}

/** Writes a grid to `path`, creating its folder. */
export async function writePngGrid(path: string, rows: RgbImage[][]): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, await pngGrid(rows));
}
