/**
 * Draws the comic page: keyframes scaled up (nearest neighbour: they are pixel sprites) on a
 * white page, each over a bordered caption box, encoded as PNG with sharp.
 */
import sharp from 'sharp';
import type { RgbImage } from '../story/types.js';
import { comicLayout, type LayoutOptions, wrapCaption } from './comic-layout.js';

export interface ComicPanel {
  image: RgbImage;
  caption: string | null;
}

export interface ComicPage {
  png: Uint8Array;
  width: number;
  height: number;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Panels on a page with their captions, as PNG bytes. */
export async function drawComicPage(
  panels: ComicPanel[],
  options: LayoutOptions = {},
): Promise<ComicPage> {
  const layout = comicLayout(panels.length, options);
  const fontSize = 14;
  const maxChars = Math.floor(layout.panels[0].caption.width / (fontSize * 0.55));

  const frames = layout.panels.map((box) => {
    const { image, caption } = box;
    return `<rect x="${image.x - 2}" y="${image.y - 2}" width="${image.width + 4}" `
      + `height="${image.height + caption.height + 4}" fill="black"/>`
      + `<rect x="${caption.x}" y="${caption.y}" width="${caption.width}" `
      + `height="${caption.height}" fill="#fff8dc"/>`;
  });
  const captions = layout.panels.map((box, i) => {
    const text = panels[i].caption;
    if (!text) return '';
    const lines = wrapCaption(text, maxChars, Math.floor(box.caption.height / (fontSize + 2)));
    return lines.map((line, k) => `<text x="${box.caption.x + 6}" `
      + `y="${box.caption.y + 4 + (k + 1) * (fontSize + 1)}" font-size="${fontSize}" `
      + `font-family="sans-serif" fill="black">${escapeXml(line)}</text>`).join('');
  });
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${layout.width}" `
    + `height="${layout.height}"><rect width="100%" height="100%" fill="white"/>`
    + `${frames.join('')}${captions.join('')}</svg>`;

  const images = await Promise.all(layout.panels.map(async (box, i) => {
    const { data, width, height } = panels[i].image;
    const input = await sharp(Buffer.from(data.buffer, data.byteOffset, data.byteLength),
      { raw: { width, height, channels: 3 } })
      .resize(box.image.width, box.image.height, { kernel: 'nearest' })
      .png().toBuffer();
    return { input, left: box.image.x, top: box.image.y };
  }));
  const png = await sharp(Buffer.from(svg)).composite(images).png().toBuffer();
  return { png: new Uint8Array(png), width: layout.width, height: layout.height };
}
