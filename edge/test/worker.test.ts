/**
 * The edge inside workerd (`wrangler dev`), without the gpu-service: GraphiQL, uploads and
 * image checks, argument and availability errors, and the WASM pixel decoder against
 * onnxruntime-node on the same inputs.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ortNode from 'onnxruntime-node';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFrame, encodeFrame, tensor, type FrameTensor } from '../../shared/src/frame';
import { parseManifest } from '../../shared/src/manifest';
import { graphql, graphqlUpload } from './graphql-client';
import { hasPixelBundle, MODELS_DIR, NO_BUNDLE, startTestEdge, type TestEdge }
  from './worker-process';

const PORT = 8803;
/** Nothing listens here: the gpu-service is "down" for this suite. */
const NO_GPU = 'http://127.0.0.1:8809';
const UPLOAD = 'mutation ($file: File!) { uploadImage(file: $file) { id width height format } }';

let edge: TestEdge;

beforeAll(async () => {
  edge = await startTestEdge({
    port: PORT,
    gpuUrl: NO_GPU,
    seed: hasPixelBundle(),
    vars: { MAX_IMAGE_BYTES: '200000', MAX_IMAGE_PIXELS: '1000000' },
  });
});

afterAll(async () => {
  await edge?.stop();
});

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function solid(width: number, height: number, format: 'png' | 'jpeg' | 'webp') {
  const image = sharp({ create: { width, height, channels: 3,
    background: { r: 200, g: 30, b: 40 } } });
  return new Uint8Array(await image.toFormat(format).toBuffer());
}

/** An uncompressed PNG of noise: many bytes for few pixels. */
async function noise(width: number, height: number) {
  const pixels = Buffer.from(Array.from({ length: width * height * 3 },
    (_, i) => (i * 2654435761) % 251));
  const image = sharp(pixels, { raw: { width, height, channels: 3 } });
  return new Uint8Array(await image.png({ compressionLevel: 0 }).toBuffer());
}

describe('GraphiQL', () => {
  it('is served at /graphql with the example operation and no outside assets', async () => {
    const response = await fetch(edge.graphqlUrl, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
    const html = await response.text();
    expect(html).toContain('query Segment(');
    expect(html).toContain('segmentStream(');
    expect(html).not.toMatch(/<script[^>]+src=/i);
    expect(html).not.toMatch(/<link[^>]+href="https?:/i);
  });
});

describe('uploadImage', () => {
  it('names PNG, JPEG and WebP images by the SHA-256 of their bytes', async () => {
    for (const format of ['png', 'jpeg', 'webp'] as const) {
      const bytes = await solid(40, 30, format);
      const result = await graphqlUpload(edge.graphqlUrl, UPLOAD, {}, 'file',
        { bytes, name: `x.${format}` });
      expect(result.errors).toBeUndefined();
      expect(result.data?.uploadImage).toEqual({ id: sha256(bytes), width: 40, height: 30,
        format: format.toUpperCase() });
    }
  });

  it('returns the same image for the same bytes, and finds it by id', async () => {
    const bytes = await solid(12, 9, 'png');
    const first = await graphqlUpload(edge.graphqlUrl, UPLOAD, {}, 'file',
      { bytes, name: 'a.png' });
    const again = await graphqlUpload(edge.graphqlUrl, UPLOAD, {}, 'file',
      { bytes, name: 'renamed.jpg', type: 'image/jpeg' });
    expect(again.data).toEqual(first.data);
    const found = await graphql(edge.graphqlUrl, 'query ($id: ID!) { image(id: $id) { id width } }',
      { id: sha256(bytes) });
    expect(found.data?.image).toEqual({ id: sha256(bytes), width: 12 });
    const missing = await graphql(edge.graphqlUrl, 'query { image(id: "nope") { id } }');
    expect(missing.data?.image).toBeNull();
  });

  it('refuses other formats, corrupt headers and images over the limits, with codes', async () => {
    const gif = new TextEncoder().encode('GIF89a\u0001\u0000\u0001\u0000\u0000\u0000\u0000;');
    const cases: Array<[Uint8Array, string, RegExp]> = [
      [gif, 'UNSUPPORTED_IMAGE', /The file is GIF.*Send a PNG, JPEG or WebP image/],
      [new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...new Array(30).fill(7)]),
        'BAD_IMAGE', /truncated or corrupt/],
      [await solid(1200, 1000, 'png'), 'IMAGE_TOO_LARGE',
        /1200×1000 pixels.*at most 1\.0 megapix/],
      [await noise(300, 300), 'IMAGE_TOO_LARGE',
        /KiB; send at most 195\.3 KiB \(compress or downscale/],
    ];
    for (const [bytes, code, message] of cases) {
      const result = await graphqlUpload(edge.graphqlUrl, UPLOAD, {}, 'file',
        { bytes, name: 'image.png', type: 'image/png' });
      expect(result.data).toBeNull();
      expect(result.errors?.[0]?.extensions?.code).toBe(code);
      expect(result.errors?.[0]?.message).toMatch(message);
    }
  });

  it('refuses a body far over the byte limit before reading it', async () => {
    const bytes = new Uint8Array(2 * 1024 * 1024);
    const result = await graphqlUpload(edge.graphqlUrl, UPLOAD, {}, 'file',
      { bytes, name: 'huge.png', type: 'image/png' });
    expect(result.errors?.[0]?.extensions?.code).toBe('IMAGE_TOO_LARGE');
    expect(result.errors?.[0]?.message).toMatch(/at most 0\.2 MiB/);
  });
});

describe('segment errors', () => {
  const SEGMENT = 'query ($id: ID, $q: String!) { segment(imageId: $id, question: $q) { answer } }';

  it('says how to fix bad arguments', async () => {
    const none = await graphql(edge.graphqlUrl, SEGMENT, { q: 'where?' });
    expect(none.errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
    expect(none.errors?.[0]?.message).toMatch(/No image was given/);

    const unknown = await graphql(edge.graphqlUrl, SEGMENT, { id: 'c'.repeat(64), q: 'where?' });
    expect(unknown.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(unknown.errors?.[0]?.message).toMatch(/upload it with uploadImage first/);

    const bytes = await solid(8, 8, 'png');
    await graphqlUpload(edge.graphqlUrl, UPLOAD, {}, 'file', { bytes, name: 'a.png' });
    const empty = await graphql(edge.graphqlUrl, SEGMENT, { id: sha256(bytes), q: '  ' });
    expect(empty.errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
    expect(empty.errors?.[0]?.message).toMatch(/question is empty/);
  });

  it('reports an unreachable gpu-service as UNAVAILABLE', async () => {
    const bytes = await solid(8, 8, 'webp');
    await graphqlUpload(edge.graphqlUrl, UPLOAD, {}, 'file', { bytes, name: 'a.webp' });
    const result = await graphql(edge.graphqlUrl, SEGMENT, { id: sha256(bytes), q: 'where?' });
    if (!hasPixelBundle()) {
      expect(result.errors?.[0]?.extensions?.code).toBe('UNAVAILABLE');
      expect(result.errors?.[0]?.message).toMatch(/Seed the local R2/);
      return;
    }
    expect(result.errors?.[0]?.extensions?.code).toBe('UNAVAILABLE');
    expect(result.errors?.[0]?.message).toMatch(/No gpu-service is answering .*retry in \d+ s/);
  });
});

if (!hasPixelBundle()) it.skip(`WASM pixel decoder parity ${NO_BUNDLE}`, () => {});

describe.runIf(hasPixelBundle())('WASM pixel decoder in workerd', () => {
  const bundleDir = join(MODELS_DIR, 'pixel-ref');
  let native: ortNode.InferenceSession;

  beforeAll(async () => {
    const manifest = parseManifest(JSON.parse(readFileSync(join(bundleDir, 'manifest.json'),
      'utf8')));
    native = await ortNode.InferenceSession.create(join(bundleDir,
      manifest.graphs.pixel_decoder.file), { intraOpNumThreads: 1 });
  });

  /** Deterministic pseudo-random normal values. */
  function normals(n: number, seed: number): Float32Array {
    let s = seed >>> 0;
    const uniform = () => ((s = (s * 1664525 + 1013904223) >>> 0) + 0.5) / 2 ** 32;
    return Float32Array.from({ length: n }, () =>
      Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform()));
  }

  function decoderInputs(targets: number): FrameTensor[] {
    const manifest = parseManifest(JSON.parse(readFileSync(join(bundleDir, 'manifest.json'),
      'utf8')));
    const specs = manifest.graphs.pixel_decoder.inputs;
    return specs.map((spec, i) => {
      const dims = spec.shape.map((d) => (typeof d === 'number' ? d : targets));
      const data = normals(dims.reduce((a, b) => a * b, 1), 17 + i);
      return tensor(spec.name, data, dims);
    });
  }

  async function compare(inputs: FrameTensor[]) {
    const response = await fetch(`${edge.url}/__test/pixel-decoder`, {
      method: 'POST',
      body: encodeFrame({}, inputs),
    });
    expect(response.status).toBe(200);
    const wasm = decodeFrame<{ runMs: number }>(new Uint8Array(await response.arrayBuffer()));
    const feeds = Object.fromEntries(inputs.map((t) =>
      [t.name, new ortNode.Tensor('float32', t.data as Float32Array, t.dims)]));
    const out = await native.run(feeds);
    const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
      let m = 0;
      for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
      return m;
    };
    expect(wasm.tensors.mask_logits.dims).toEqual([...out.mask_logits.dims]);
    return {
      logits: maxDiff(wasm.tensors.mask_logits.data as Float32Array,
        out.mask_logits.data as Float32Array),
      scores: maxDiff(wasm.tensors.scores.data as Float32Array, out.scores.data as Float32Array),
    };
  }

  it('gives the logits of onnxruntime-node on the same inputs (max abs diff < 1e-4)',
    async ({ annotate }) => {
      for (const targets of [1, 3, 5]) {
        const diff = await compare(decoderInputs(targets));
        await annotate(`${targets} targets: max abs diff logits ${diff.logits.toExponential(2)}, `
          + `scores ${diff.scores.toExponential(2)}`);
        expect(diff.logits).toBeLessThan(1e-4);
        expect(diff.scores).toBeLessThan(1e-5);
      }
    });

  it('matches onnxruntime-node on the exported reference inputs too', async ({ annotate }) => {
    const file = join(bundleDir, 'parity', 'pixel_decoder.json');
    const parity = JSON.parse(readFileSync(file, 'utf8')) as {
      inputs: Array<{ name: string; dims: number[]; data: string }>;
    };
    const inputs = parity.inputs.map((t) => {
      const bytes = Buffer.from(t.data, 'base64');
      const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset,
        bytes.byteOffset + bytes.byteLength));
      return tensor(t.name, data, t.dims);
    });
    const diff = await compare(inputs);
    await annotate(`reference inputs: max abs diff logits ${diff.logits.toExponential(2)}`);
    expect(diff.logits).toBeLessThan(1e-4);
  });
});
