import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { drawComicPage } from './comic-page.js';
import { columnsFor, comicLayout, wrapCaption } from './comic-layout.js';

describe('comic layout', () => {
  it('puts up to three panels in one row, four in 2 × 2, then rows of three', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map(columnsFor)).toEqual([1, 2, 3, 2, 3, 3, 3]);
    const page = comicLayout(3, { panelSize: 100, captionHeight: 20, gutter: 10 });
    expect(page).toMatchObject({ width: 340, height: 140, columns: 3, rows: 1 });
    expect(page.panels.map((p) => p.image.x)).toEqual([10, 120, 230]);
    expect(page.panels[1].caption).toEqual({ x: 120, y: 110, width: 100, height: 20 });
  });

  it('centres a short last row and keeps panels apart', () => {
    const page = comicLayout(5, { panelSize: 100, captionHeight: 20, gutter: 10 });
    expect(page.rows).toBe(2);
    expect(page.panels[3].image).toEqual({ x: 65, y: 140, width: 100, height: 100 });
    expect(page.panels[4].image.x).toBe(175);
    for (const a of page.panels) {
      for (const b of page.panels) {
        if (a === b) continue;
        const apart = a.image.x + a.image.width <= b.image.x
          || b.image.x + b.image.width <= a.image.x
          || a.caption.y + a.caption.height <= b.image.y
          || b.caption.y + b.caption.height <= a.image.y;
        expect(apart).toBe(true);
      }
    }
    expect(() => comicLayout(0)).toThrow(/at least one panel/);
  });

  it('wraps captions at spaces and marks what does not fit', () => {
    expect(wrapCaption('the girl waves at the park gate', 12, 3))
      .toEqual(['the girl', 'waves at the', 'park gate']);
    expect(wrapCaption('one two three four five six', 8, 2)).toEqual(['one two', 'three…']);
  });

  it('draws the keyframes at their places with caption boxes', async () => {
    const red = { data: new Uint8Array(8 * 8 * 3).map((_, i) => (i % 3 === 0 ? 255 : 0)),
      width: 8, height: 8 };
    const page = await drawComicPage([{ image: red, caption: 'Hello' }, { image: red,
      caption: null }], { panelSize: 64, captionHeight: 24, gutter: 8 });
    const { data, info } = await sharp(page.png).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([page.width, page.height]);
    expect([page.width, page.height]).toEqual([8 + 2 * 72, 8 + 88 + 8]);
    const at = (x: number, y: number) => Array.from(data.subarray((y * info.width + x)
      * info.channels, (y * info.width + x) * info.channels + 3));
    expect(at(8 + 32, 8 + 32)).toEqual([255, 0, 0]);
    expect(at(2, 2)).toEqual([255, 255, 255]);
    const captionBox = at(80 + 60, 8 + 64 + 20);
    expect(captionBox).toEqual([255, 248, 220]);
  });
});
