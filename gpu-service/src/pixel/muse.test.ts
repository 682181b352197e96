/**
 * The held-out set was written by the Python training code with its own RLE encoder; the
 * TypeScript decoder and encoder must agree with it on every instance.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeRle, rleArea, rleBbox, type CocoRle } from '../../../shared/src/rle.js';
import { maskArea, maskBbox } from '../../../shared/src/mask.js';
import { instanceMask, loadMuse, questionFamily, readRgbImage } from './muse.js';

const FIXTURE = join(import.meta.dirname, '..', '..', '..', 'test', 'fixtures', 'pixel-heldout',
  'muse.json');

describe('MUSE loader on the held-out set', async () => {
  const records = await loadMuse(FIXTURE);

  it('reads every record with its questions, answers and families', () => {
    expect(records.length).toBe(80);
    const questions = records.reduce((s, r) => s + r.questions.length, 0);
    expect(questions).toBeGreaterThan(500);
    const families = new Set(records.flatMap((r) => r.questions.map((_, q) =>
      questionFamily(r, q))));
    expect([...families].sort()).toEqual(['attribute', 'comparative', 'counting', 'kind', 'none',
      'object', 'spatial']);
    expect(questionFamily({ ...records[0], question_families: undefined }, 0)).toBe('unknown');
  });

  it('decodes Python-written RLE to the same area and bbox, and re-encodes it identically', () => {
    let instances = 0;
    for (const rec of records) {
      for (const answer of rec.answers) {
        for (const inst of answer) {
          const rle = inst.segmentation as CocoRle & { area?: number };
          const mask = instanceMask(inst, rec.height, rec.width);
          expect(encodeRle(mask).counts).toBe(rle.counts);
          expect(maskBbox(mask)).toEqual(inst.bbox);
          expect(rleBbox(rle)).toEqual(inst.bbox);
          expect(maskArea(mask)).toBe(rleArea(rle));
          expect(maskArea(mask)).toBe((inst as { area?: number }).area);
          instances++;
        }
      }
    }
    expect(instances).toBeGreaterThan(800);
  });

  it('reads the PNG beside the record at its recorded size', async () => {
    const rec = records.find((r) => r.width !== r.height) ?? records[0];
    const image = await readRgbImage(rec.imagePath);
    expect([image.width, image.height]).toEqual([rec.width, rec.height]);
    expect(image.data.length).toBe(rec.width * rec.height * 3);
  });

  it('fills COCO polygons and reads uncompressed RLE', () => {
    const square = instanceMask({ segmentation: [[1, 1, 3, 1, 3, 3, 1, 3]] }, 4, 4);
    expect(Array.from(square.data)).toEqual([0, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0]);
    const rle = instanceMask({ segmentation: { size: [4, 4], counts: [5, 2, 2, 2, 5] } }, 4, 4);
    expect(Array.from(rle.data)).toEqual(Array.from(square.data));
  });
});
