/**
 * `segment` and `segmentStream` through the edge in workerd and the real gpu-service: masks in
 * each format, lazy decoding, both caches, PNG masks served by the edge, the stream's order.
 * Mask quality against ground truth is the end-to-end test's business; here the masks are
 * checked for consistency between formats and fields.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maskArea, maskBbox } from '../../shared/src/mask';
import { fillPolygons } from '../../shared/src/polygon';
import { decodeRle } from '../../shared/src/rle';
import { ROOT, startStack, type Stack } from '../../scripts/start';
import { graphql, graphqlUpload, subscribe } from './graphql-client';
import { hasPixelBundle, MODELS_DIR, NO_BUNDLE } from './worker-process';

const EDGE_PORT = 8804;
const GPU_PORT = 8807;
const FIXTURES = join(ROOT, 'test', 'fixtures', 'pixel-heldout');
const persistTo = join(ROOT, '.wrangler', `edge-test-${EDGE_PORT}`);

const UPLOAD = 'mutation ($file: File!) { uploadImage(file: $file) { id width height } }';
const SEGMENT = `query ($id: ID!, $q: String!) {
  segment(imageId: $id, question: $q) {
    id answer
    segments {
      index label score area bbox { x y width height }
      rle: mask { ... on RleMask { size counts } }
      small: mask(width: 32, height: 16) { ... on RleMask { size counts } }
      png: mask(format: PNG) { ... on PngMask { url width height } }
      polygon: mask(format: POLYGON) { ... on PolygonMask { polygons } }
    }
    cached { answer features }
    timings { edgeMs pipelineMs encodeMs lmMs decodeMs tokens }
    model { name version }
  }
}`;

interface Scene {
  file_name: string;
  width: number;
  height: number;
  questions: string[];
  text_answers: string[];
}

if (!hasPixelBundle()) it.skip(`segment through the gpu-service ${NO_BUNDLE}`, () => {});

describe.runIf(hasPixelBundle())('segment through the edge and the gpu-service', () => {
  let stack: Stack;
  let scene: Scene;
  let imageId: string;
  /** A question whose expected answer names at least two objects. */
  let question: string;

  beforeAll(async () => {
    rmSync(persistTo, { recursive: true, force: true });
    stack = await startStack({ edgePort: EDGE_PORT, gpuPort: GPU_PORT, modelsDir: MODELS_DIR,
      persistTo, edgeVars: { LOG_LEVEL: 'warn' } });
    const scenes = JSON.parse(readFileSync(join(FIXTURES, 'muse.json'), 'utf8')) as Scene[];
    scene = scenes.find((s) => s.text_answers.some((a) => a.split('{seg}').length > 2)) as Scene;
    question = scene.questions[scene.text_answers.findIndex((a) => a.split('{seg}').length > 2)];
    const bytes = new Uint8Array(readFileSync(join(FIXTURES, scene.file_name)));
    const uploaded = await graphqlUpload(stack.graphqlUrl, UPLOAD, {}, 'file',
      { bytes, name: scene.file_name });
    imageId = uploaded.data?.uploadImage.id;
    expect(uploaded.data?.uploadImage).toMatchObject({ width: scene.width, height: scene.height });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('answers with masks that agree across RLE, PNG, polygons, area and bbox', async () => {
    const result = await graphql(stack.graphqlUrl, SEGMENT, { id: imageId, q: question });
    expect(result.errors).toBeUndefined();
    const s = result.data?.segment;
    expect(s.cached).toEqual({ answer: false, features: false });
    expect(s.timings.encodeMs).toBeGreaterThan(0);
    expect(s.timings.pipelineMs).toBeGreaterThan(0);
    expect(s.timings.decodeMs).toBeGreaterThanOrEqual(0);
    expect(s.model.name).toBe('pixel-ref');
    expect(s.answer.length).toBeGreaterThan(0);

    for (const segment of s.segments) {
      expect(s.answer).toContain(segment.label);
      expect(segment.score).toBeGreaterThanOrEqual(0);
      expect(segment.score).toBeLessThanOrEqual(1);

      const mask = decodeRle(segment.rle);
      expect(segment.rle.size).toEqual([scene.height, scene.width]);
      expect(maskArea(mask)).toBe(segment.area);
      const [x, y, width, height] = maskBbox(mask);
      expect(segment.bbox).toEqual(segment.area === 0 ? null : { x, y, width, height });
      expect(segment.small.size).toEqual([16, 32]);

      const png = await fetch(segment.png.url);
      expect(png.status).toBe(200);
      expect(png.headers.get('content-type')).toBe('image/png');
      expect([segment.png.width, segment.png.height]).toEqual([scene.width, scene.height]);

      // Polygons trace pixel edges; with holes they fill back to nearly the same mask.
      const filled = fillPolygons(segment.polygon.polygons, scene.width, scene.height);
      let differ = 0;
      for (let i = 0; i < filled.length; i++) differ += filled[i] !== mask.data[i] ? 1 : 0;
      expect(differ).toBeLessThanOrEqual(Math.max(4, segment.area * 0.25));
    }
  });

  it('serves a repeated query from the caches without calling the gpu-service', async () => {
    const first = await graphql(stack.graphqlUrl, SEGMENT, { id: imageId, q: question });
    const again = await graphql(stack.graphqlUrl, SEGMENT,
      { id: imageId, q: `  ${question.toUpperCase()} ` });
    const a = first.data?.segment;
    const b = again.data?.segment;
    expect(b.cached).toEqual({ answer: true, features: true });
    expect(b.timings).toMatchObject({ pipelineMs: null, encodeMs: null, lmMs: null });
    expect(b.id).toBe(a.id);
    expect(b.answer).toBe(a.answer);
    expect(b.segments.map((x: { rle: unknown }) => x.rle))
      .toEqual(a.segments.map((x: { rle: unknown }) => x.rle));
  });

  it('runs only the language model for a new question on a seen image', async () => {
    const other = scene.questions.find((q) => q !== question) as string;
    const result = await graphql(stack.graphqlUrl,
      'query ($id: ID!, $q: String!) { segment(imageId: $id, question: $q) { '
      + 'cached { answer features } timings { encodeMs lmMs decodeMs } segments { label } } }',
      { id: imageId, q: other });
    const s = result.data?.segment;
    expect(s.cached).toEqual({ answer: false, features: true });
    expect(s.timings.encodeMs).toBeNull();
    expect(s.timings.lmMs).toBeGreaterThan(0);
    expect(s.timings.decodeMs).toBeNull(); // no mask field selected: nothing decoded
  });

  it('streams answer tokens, then each decoded segment, then the segmentation', async () => {
    const q = scene.questions[scene.questions.length - 2];
    const events = await subscribe(stack.graphqlUrl, `subscription ($id: ID!, $q: String!) {
      segmentStream(imageId: $id, question: $q) {
        __typename
        ... on AnswerToken { text }
        ... on SegmentDecoded { segment { index label area } }
        ... on SegmentationDone { segmentation { answer segments { label } } }
      }
    }`, { id: imageId, q });
    const kinds = events.map((e) => e.data?.segmentStream.__typename);
    const done = events.at(-1)?.data?.segmentStream.segmentation;
    expect(kinds.at(-1)).toBe('SegmentationDone');
    const tokens = events.filter((e) => e.data?.segmentStream.__typename === 'AnswerToken');
    expect(tokens.map((e) => e.data?.segmentStream.text).join('')).toBe(done.answer);
    const decoded = events.filter((e) => e.data?.segmentStream.__typename === 'SegmentDecoded');
    expect(decoded.map((e) => e.data?.segmentStream.segment.label))
      .toEqual(done.segments.map((x: { label: string }) => x.label));
    expect(kinds).toEqual([...tokens.map(() => 'AnswerToken'), ...decoded.map(() =>
      'SegmentDecoded'), 'SegmentationDone']);
  });

  it('refuses a bad mask threshold with BAD_REQUEST', async () => {
    const result = await graphql(stack.graphqlUrl, 'query ($id: ID!, $q: String!) { '
      + 'segment(imageId: $id, question: $q) { segments { mask(threshold: 2) { __typename } } } }',
    { id: imageId, q: question });
    if (result.data === null) {
      expect(result.errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
      expect(result.errors?.[0]?.message).toMatch(/between 0 and 1/);
    } else {
      expect(result.data?.segment.segments).toEqual([]);
    }
  });

  // Last: it stops the gpu-service.
  it('still answers a repeated query, masks included, with the gpu-service stopped', async () => {
    const before = await graphql(stack.graphqlUrl, SEGMENT, { id: imageId, q: question });
    await stack.gpu.stop();
    const after = await graphql(stack.graphqlUrl, SEGMENT, { id: imageId, q: question });
    expect(after.errors).toBeUndefined();
    expect(after.data?.segment.cached).toEqual({ answer: true, features: true });
    expect(after.data?.segment.segments).toEqual(before.data?.segment.segments);

    const fresh = await graphql(stack.graphqlUrl, SEGMENT, { id: imageId, q: 'a new question' });
    expect(fresh.errors?.[0]?.extensions?.code).toBe('UNAVAILABLE');
  });
});
