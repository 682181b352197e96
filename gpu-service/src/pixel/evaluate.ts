/**
 * Runs a pixel bundle through the pipeline on MUSE-format records and scores it: gIoU / cIoU by
 * question family and by number of targets, exact-answer rate, none-question accuracy.
 */
import { maskFromLogits } from '../../../shared/src/mask.js';
import type { BinaryMask } from '../../../shared/src/rle.js';
import { type EvalReport, scoreQuestion, Tally } from './metrics.js';
import { instanceMask, type MuseRecord, questionFamily, readRgbImage } from './muse.js';
import type { PixelPipeline } from './pipeline.js';

export interface EvaluateOptions {
  /** Stop after this many records. */
  limit?: number;
  /** Called after each record, e.g. for a progress line. */
  onRecord?: (done: number, total: number) => void;
}

/**
 * Exact answer: the same words (codebook groups aside) and the same groups, one per target, or
 * for the single-[SEG] form one group whenever the reference has targets.
 */
export function exactAnswer(
  pipeline: PixelPipeline, words: string[], reference: string | undefined, single: boolean,
): boolean {
  if (reference === undefined) return false;
  const ref = pipeline.tokenizer.words(reference.replaceAll('{seg}', ' '));
  const refGroups = reference.split('{seg}').length - 1;
  const got = words.filter((w) => w !== '{seg}');
  const groups = words.length - got.length;
  const sameGroups = single ? (groups > 0) === (refGroups > 0) : groups === refGroups;
  return sameGroups && got.length === ref.length && got.every((w, i) => w === ref[i]);
}

export async function evaluateRecords(
  pipeline: PixelPipeline,
  records: Array<MuseRecord & { imagePath: string }>,
  options: EvaluateOptions = {},
): Promise<EvalReport & { seconds: number }> {
  const started = performance.now();
  const tally = new Tally();
  const chosen = records.slice(0, options.limit ?? records.length);
  const size = pipeline.manifest.image?.size ?? 0;
  const single = pipeline.codebook.answer === 'single';
  for (const [i, rec] of chosen.entries()) {
    const image = await readRgbImage(rec.imagePath);
    const { width, height } = image;
    const features = await pipeline.encode(image);
    for (let q = 0; q < rec.questions.length; q++) {
      const answer = await pipeline.answer(features.imageTokens, rec.questions[q]);
      const preds: BinaryMask[] = [];
      if (answer.targets.length) {
        const { maskLogits } = await pipeline.decode(answer.targets, features);
        const plane = size * size;
        for (let t = 0; t < answer.targets.length; t++) {
          const logits = maskLogits.data.subarray(t * plane, (t + 1) * plane);
          preds.push(maskFromLogits(logits, size, features.content, width, height));
        }
      }
      const truths = rec.answers[q].map((inst) => instanceMask(inst, height, width));
      const exact = exactAnswer(pipeline, answer.words, rec.text_answers?.[q], single);
      tally.add(questionFamily(rec, q), truths.length, preds.length,
        scoreQuestion(preds, truths), exact);
    }
    options.onRecord?.(i + 1, chosen.length);
  }
  return { ...tally.report(), seconds: (performance.now() - started) / 1000 };
}
