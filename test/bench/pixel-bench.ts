/**
 * Segment benchmark: three ratios from one run on the same held-out scenes.
 * - edgeDecodeVsNative: pixel decoder in onnxruntime-web inside workerd / onnxruntime-node
 *   (same inputs; medians of the graph's own run time on each side).
 * - warmVsCold: a repeated `segment` (served from the edge caches) / the first one on an image.
 * - graphqlVsPipeline: the whole GraphQL `segment` call / the pixel pipeline's own time inside
 *   the gpu-service, for cold calls with masks selected.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeFrame, encodeFrame, FRAME_CONTENT_TYPE, tensor } from '../../shared/src/frame';
import { PixelPipeline } from '../../gpu-service/src/pixel/pipeline';
import { readRgbImage, type MuseRecord } from '../../gpu-service/src/pixel/muse';
import { ROOT, type Stack } from '../../scripts/start';
import { graphql, graphqlUpload } from '../../edge/test/graphql-client';

const FIXTURES = join(ROOT, 'test', 'fixtures', 'pixel-heldout');
const SEGMENT = `query ($id: ID!, $q: String!) { segment(imageId: $id, question: $q) {
  answer timings { pipelineMs }
  segments { label score bbox { x y } mask(format: RLE) { ... on RleMask { counts } } } } }`;

export interface PixelBenchResult {
  edgeDecodeVsNative: number;
  warmVsCold: number;
  graphqlVsPipeline: number;
  detail: Record<string, number>;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

function pickCases(count: number): Array<{ record: MuseRecord; question: string }> {
  const records = JSON.parse(readFileSync(join(FIXTURES, 'muse.json'), 'utf8')) as MuseRecord[];
  return records.slice(0, count).map((record) => {
    const q = record.answers.findIndex((a) => a.length >= 2);
    return { record, question: record.questions[Math.max(q, 0)] };
  });
}

/** Times the decoder on both runtimes with the targets of real answers. */
async function decoderRatio(stack: Stack, modelsDir: string, scenes: number, repeats: number) {
  const pipeline = await PixelPipeline.load(join(modelsDir, 'pixel-ref'));
  const edgeMs: number[] = [];
  const nativeMs: number[] = [];
  for (const { record, question } of pickCases(scenes)) {
    const image = await readRgbImage(join(FIXTURES, record.file_name));
    const features = await pipeline.encode(image);
    const { targets } = await pipeline.answer(features.imageTokens, question);
    if (targets.length === 0) continue;

    const segHidden = new Float32Array(targets.flatMap((t) => Array.from(t.segHidden.data)));
    const body = encodeFrame({}, [
      tensor('seg_hidden', segHidden, [targets.length, ...targets[0].segHidden.dims]),
      tensor('features_0', features.features0.data, features.features0.dims),
      tensor('features_1', features.features1.data, features.features1.dims),
    ]);
    for (let i = 0; i < repeats + 1; i++) {
      const started = performance.now();
      await pipeline.decode(targets, features);
      const native = performance.now() - started;
      const response = await fetch(`${stack.edgeUrl}/__test/pixel-decoder`, {
        method: 'POST', headers: { 'content-type': FRAME_CONTENT_TYPE }, body,
      });
      const bytes = new Uint8Array(await response.arrayBuffer());
      const meta = decodeFrame<{ runMs: number }>(bytes).meta;
      if (i === 0) continue; // first run of each shape warms both sides up
      nativeMs.push(native);
      edgeMs.push(meta.runMs);
    }
  }
  await pipeline.release();
  return { edge: median(edgeMs), native: median(nativeMs) };
}

/** Cold and warm `segment` calls through the edge. */
async function segmentTimes(stack: Stack, scenes: number, repeats: number) {
  const cold: number[] = [];
  const warm: number[] = [];
  const pipeline: number[] = [];
  for (const { record, question } of pickCases(scenes)) {
    const bytes = new Uint8Array(readFileSync(join(FIXTURES, record.file_name)));
    const upload = 'mutation ($f: File!) { uploadImage(file: $f) { id } }';
    const up = await graphqlUpload(stack.graphqlUrl, upload, {}, 'f',
      { bytes, name: record.file_name });
    const id = up.data?.uploadImage.id;

    let started = performance.now();
    const first = await graphql(stack.graphqlUrl, SEGMENT, { id, q: question });
    cold.push(performance.now() - started);
    if (first.errors) throw new Error(JSON.stringify(first.errors));
    pipeline.push(first.data?.segment.timings.pipelineMs);

    for (let i = 0; i < repeats; i++) {
      started = performance.now();
      await graphql(stack.graphqlUrl, SEGMENT, { id, q: question });
      warm.push(performance.now() - started);
    }
  }
  return { cold, warm, pipeline };
}

export async function benchPixel(stack: Stack, modelsDir: string): Promise<PixelBenchResult> {
  const decoder = await decoderRatio(stack, modelsDir, 8, 10);
  const times = await segmentTimes(stack, 12, 5);
  return {
    edgeDecodeVsNative: decoder.edge / decoder.native,
    warmVsCold: median(times.warm) / median(times.cold),
    graphqlVsPipeline: sum(times.cold) / sum(times.pipeline),
    detail: {
      edgeDecodeMs: decoder.edge,
      nativeDecodeMs: decoder.native,
      coldSegmentMs: median(times.cold),
      warmSegmentMs: median(times.warm),
      pipelineMs: median(times.pipeline),
    },
  };
}
