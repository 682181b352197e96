/**
 * End to end over real HTTP: both processes started as `npm start` starts them, real GraphQL
 * requests (multipart uploads and image ids), held-out scenes with known ground truth.
 *
 * Bars, set from what the shipped pixel-ref measures on its held-out set (gIoU ≈ 0.6 in its own
 * eval; see gpu-service/models/pixel-ref/eval-python.json): over a fixed set of questions that
 * name at least one object, the Hungarian-matched mask IoU averages at least 0.55, at least 60%
 * of the true objects are named by a segment label of the right colour and kind, and the mask of
 * each object so named overlaps its true mask with IoU 0.75 on average. The last bar checks the
 * masks themselves (decoder at the edge, RLE, resizing) apart from the model's reasoning.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startStack, type Stack } from '../../scripts/start';
import { decodeRle, type BinaryMask } from '../../shared/src/rle';
import { scoreQuestion } from '../../gpu-service/src/pixel/metrics';
import { instanceMask, type MuseRecord } from '../../gpu-service/src/pixel/muse';
import { graphql, graphqlUpload } from '../../edge/test/graphql-client';
import { hasPixelBundle, MODELS_DIR, NO_BUNDLE } from '../../edge/test/worker-process';

const EDGE_PORT = 18787;
const GPU_PORT = 18790;
const FIXTURES = join(ROOT, 'test', 'fixtures', 'pixel-heldout');
const persistTo = join(ROOT, '.wrangler', `e2e-${EDGE_PORT}`);
const MEAN_IOU_BAR = 0.55;
const NAMING_BAR = 0.6;
const NAMED_MASK_IOU_BAR = 0.75;

const SEGMENT_FIELDS = `answer cached { answer features }
  segments { label area mask(format: RLE) { ... on RleMask { size counts } } }`;
const SEGMENT_UPLOAD = `mutation ($file: File!) { uploadImage(file: $file) { id } }`;
const SEGMENT_BY_ID = `query ($id: ID!, $q: String!) {
  segment(imageId: $id, question: $q) { ${SEGMENT_FIELDS} } }`;
const SEGMENT_FILE = `query ($file: File!, $q: String!) {
  segment(image: $file, question: $q) { ${SEGMENT_FIELDS} } }`;

interface Case { record: MuseRecord; q: number }

const records = JSON.parse(readFileSync(join(FIXTURES, 'muse.json'), 'utf8')) as MuseRecord[];

/** The first 24 questions (in file order, 2 per scene at most) whose answer names objects. */
function pickCases(): Case[] {
  const cases: Case[] = [];
  for (const record of records) {
    const qs = record.questions.map((_, q) => q).filter((q) => record.answers[q].length > 0);
    for (const q of qs.slice(0, 2)) cases.push({ record, q });
    if (cases.length >= 24) break;
  }
  return cases;
}

function truthMasks({ record, q }: Case): BinaryMask[] {
  return record.answers[q].map((inst) => instanceMask(inst, record.height, record.width));
}

if (!hasPixelBundle()) it.skip(`end-to-end segment ${NO_BUNDLE}`, () => {});

describe.runIf(hasPixelBundle())('segment end to end against ground truth', () => {
  let stack: Stack;
  const answered: string[] = [];

  beforeAll(async () => {
    rmSync(persistTo, { recursive: true, force: true });
    stack = await startStack({
      edgePort: EDGE_PORT, gpuPort: GPU_PORT, modelsDir: MODELS_DIR, persistTo,
      edgeVars: { LOG_LEVEL: 'warn' },
      sink: (name, line) => {
        if (name === 'gpu' && line.includes('"answered"')) answered.push(line);
      },
    });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('gives each named object a mask that matches the ground truth', async () => {
    const cases = pickCases();
    const ious: number[] = [];
    const namedIous: number[] = [];
    let named = 0;
    let objects = 0;

    for (const [i, c] of cases.entries()) {
      const bytes = new Uint8Array(readFileSync(join(FIXTURES, c.record.file_name)));
      const question = c.record.questions[c.q];
      // Half the calls send the file inline, half upload it first and send its id.
      const result = i % 2 === 0
        ? await graphqlUpload(stack.graphqlUrl, SEGMENT_FILE, { q: question }, 'file',
          { bytes, name: c.record.file_name, type: 'image/png' })
        : await graphqlUpload(stack.graphqlUrl, SEGMENT_UPLOAD, {}, 'file',
          { bytes, name: c.record.file_name })
          .then((up) => graphql(stack.graphqlUrl, SEGMENT_BY_ID,
            { id: up.data?.uploadImage.id, q: question }));
      expect(result.errors, `${question}: ${JSON.stringify(result.errors)}`).toBeUndefined();

      const segments = result.data?.segment.segments as Array<{
        label: string; mask: { size: [number, number]; counts: string };
      }>;
      const preds = segments.map((s) => decodeRle(s.mask));
      const truths = truthMasks(c);
      const score = scoreQuestion(preds, truths);
      ious.push(score.gIoU);

      const labels = segments.map((s) => s.label.toLowerCase());
      c.record.answers[c.q].forEach((inst, t) => {
        objects += 1;
        const name = String(inst.category_name).toLowerCase();
        const same = preds.filter((_, i) => labels[i].includes(name));
        if (same.length === 0) return;
        named += 1;
        namedIous.push(Math.max(...same.map((p) => scoreQuestion([p], [truths[t]]).gIoU)));
      });
    }

    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const meanIoU = mean(ious);
    const namingRate = named / objects;
    const namedMaskIoU = mean(namedIous);
    console.info(`e2e: ${cases.length} questions, ${objects} objects, mean matched IoU `
      + `${meanIoU.toFixed(3)}, objects named ${(namingRate * 100).toFixed(1)}%, `
      + `IoU of named objects' masks ${namedMaskIoU.toFixed(3)}`);
    expect(cases.length).toBe(24);
    expect(meanIoU).toBeGreaterThanOrEqual(MEAN_IOU_BAR);
    expect(namingRate).toBeGreaterThanOrEqual(NAMING_BAR);
    expect(namedMaskIoU).toBeGreaterThanOrEqual(NAMED_MASK_IOU_BAR);
  });

  it('answers a second question on a seen image without the encoder, and repeats from cache',
    async () => {
      const record = records[records.length - 1];
      const bytes = new Uint8Array(readFileSync(join(FIXTURES, record.file_name)));
      const up = await graphqlUpload(stack.graphqlUrl, SEGMENT_UPLOAD, {}, 'file',
        { bytes, name: record.file_name });
      const id = up.data?.uploadImage.id as string;
      const [q1, q2] = record.questions;

      const callsBefore = answered.length;
      const first = await graphql(stack.graphqlUrl, SEGMENT_BY_ID, { id, q: q1 });
      expect(first.data?.segment.cached).toEqual({ answer: false, features: false });
      await expect.poll(() => answered.length).toBe(callsBefore + 1);
      expect(JSON.parse(answered.at(-1)!)).toMatchObject({ encoderRan: true });

      const second = await graphql(stack.graphqlUrl, SEGMENT_BY_ID, { id, q: q2 });
      expect(second.data?.segment.cached).toEqual({ answer: false, features: true });
      await expect.poll(() => answered.length).toBe(callsBefore + 2);
      expect(JSON.parse(answered.at(-1)!)).toMatchObject({ encoderRan: false });

      const repeat = await graphql(stack.graphqlUrl, SEGMENT_BY_ID, { id, q: q1 });
      expect(repeat.data?.segment.cached).toEqual({ answer: true, features: true });
      expect(repeat.data?.segment.answer).toBe(first.data?.segment.answer);
      // Give a stray call time to show up in the gpu-service log before counting.
      await new Promise((r) => setTimeout(r, 500));
      expect(answered.length).toBe(callsBefore + 2);
    });
});
