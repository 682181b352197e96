import { describe, expect, it } from 'vitest';
import { answerKeys, featuresKey, imageKey, manifestKey, modelFileKey, normaliseQuestion,
  sha256Hex } from './keys';

describe('normaliseQuestion', () => {
  it('folds case, white space and Unicode compatibility forms', () => {
    expect(normaliseQuestion('  Where is the\tRED  circle?\n')).toBe('where is the red circle?');
    expect(normaliseQuestion('ﬁnd the ＳＱＵＡＲＥ')).toBe('find the square');
    expect(normaliseQuestion(' \n ')).toBe('');
  });
});

describe('storage keys', () => {
  it('hashes bytes with SHA-256', async () => {
    expect(await sha256Hex('abc'))
      .toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(await sha256Hex(new Uint8Array(0)))
      .toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('names models, images and features under fixed prefixes', () => {
    expect(manifestKey('pixel-ref')).toBe('models/pixel-ref/manifest.json');
    expect(modelFileKey('pixel-ref', '3', 'pixel_decoder.onnx'))
      .toBe('models/pixel-ref/3/pixel_decoder.onnx');
    expect(imageKey('ab')).toBe('images/ab');
    expect(featuresKey('pixel-ref', '3', 'ab')).toBe('features/pixel-ref/3/ab');
  });

  it('keys answers by bundle version, image and question', async () => {
    const image = 'f'.repeat(64);
    const a = await answerKeys('pixel-ref', '3', image, 'where is the red circle?');
    const again = await answerKeys('pixel-ref', '3', image, 'where is the red circle?');
    const otherVersion = await answerKeys('pixel-ref', '4', image, 'where is the red circle?');
    const otherQuestion = await answerKeys('pixel-ref', '3', image, 'where is the blue square?');
    expect(again).toEqual(a);
    expect(a.answerKey).toBe(`answers/pixel-ref/3/${image}/${await sha256Hex(
      'where is the red circle?')}`);
    expect(a.segmentationId).toMatch(/^[0-9a-f]{64}$/);
    expect(new Set([a.segmentationId, otherVersion.segmentationId,
      otherQuestion.segmentationId]).size).toBe(3);
  });
});
