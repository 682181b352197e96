/**
 * The pipeline on the committed pixel-ref bundle and a held-out scene: preprocessing, one
 * answer with codebook groups, batched mask decoding, and the errors a caller can cause.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maskArea, maskFromLogits } from '../../../shared/src/mask.js';
import { loadMuse, readRgbImage } from './muse.js';
import { PixelPipeline } from './pipeline.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const BUNDLE = join(ROOT, 'gpu-service', 'models', 'pixel-ref');
const FIXTURE = join(ROOT, 'test', 'fixtures', 'pixel-heldout', 'muse.json');

describe.skipIf(!existsSync(join(BUNDLE, 'manifest.json')))('PixelPipeline', () => {
  let pipeline: PixelPipeline;
  beforeAll(async () => { pipeline = await PixelPipeline.load(BUNDLE); });
  afterAll(async () => { await pipeline?.release(); });

  it('pads a non-square image at the bottom and right', () => {
    const image = { data: new Uint8Array(32 * 24 * 3).fill(255), width: 32, height: 24 };
    const { pixelValues, content } = pipeline.preprocess(image);
    expect(pixelValues.dims).toEqual([1, 3, 64, 64]);
    expect(content).toEqual({ width: 64, height: 48 });
    const white = (1 - 0.5) / 0.25;
    expect(pixelValues.data[0]).toBeCloseTo(white, 5);
    expect(pixelValues.data[47 * 64 + 63]).toBeCloseTo(white, 5);
    expect(pixelValues.data[48 * 64]).toBe(0);
  });

  it('answers with one labelled target per codebook group and decodes them in one batch',
    async () => {
      const records = await loadMuse(FIXTURE);
      const rec = records[0];
      const image = await readRgbImage(rec.imagePath);
      const features = await pipeline.encode(image);
      expect(features.imageTokens.dims).toEqual([1, 16, 128]);
      expect(features.features0.dims).toEqual([1, 64, 8, 8]);
      expect(features.features1.dims).toEqual([1, 64, 16, 16]);

      const q = rec.question_families?.indexOf('object') ?? 0;
      const streamed: string[] = [];
      const answer = await pipeline.answer(features.imageTokens, rec.questions[q],
        (w) => streamed.push(w));
      expect(streamed).toEqual(answer.words.filter((w) => w !== '{seg}'));
      expect(answer.targets.length).toBe(answer.words.filter((w) => w === '{seg}').length);
      expect(answer.answer).not.toMatch(/seg/);
      for (const t of answer.targets) {
        expect(t.segHidden.dims).toEqual([6, 128]);
        expect(t.label.split(' ')).toHaveLength(2);
      }
      expect(answer.timings.tokens).toBeGreaterThan(0);

      const { maskLogits, scores } = await pipeline.decode(answer.targets, features);
      expect(maskLogits.dims).toEqual([answer.targets.length, 64, 64]);
      expect(scores.length).toBe(answer.targets.length);
      for (const s of scores) expect(s).toBeGreaterThanOrEqual(0);
      if (answer.targets.length) {
        const mask = maskFromLogits(maskLogits.data.subarray(0, 64 * 64), 64, features.content,
          image.width, image.height);
        expect(maskArea(mask)).toBeGreaterThan(0);
      }
      const none = await pipeline.decode([], features);
      expect(none.maskLogits.dims).toEqual([0, 64, 64]);
    });

  it('refuses a buffer of the wrong size and an over-long question with BAD_REQUEST', async () => {
    expect(() => pipeline.preprocess({ data: new Uint8Array(10), width: 4, height: 4 }))
      .toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
    const tokens = { data: new Float32Array(16 * 128), dims: [1, 16, 128] };
    await expect(pipeline.answer(tokens, 'red '.repeat(200)))
      .rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});
