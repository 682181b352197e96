/**
 * Seeding the local R2 for the edge, with a small bundle folder made here (its "graphs" are
 * plain bytes: seeding copies files, it does not run them) and wrangler's real local storage;
 * then the whole local stack as `npm start` runs it, with the shipped bundles.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  edgeObjects, r2BucketName, seedLocalR2, startStack, WRANGLER_ENV,
} from './start.js';

const dir = mkdtempSync(join(tmpdir(), 'pixloom-seed-'));
const modelsDir = join(dir, 'models');
const persistTo = join(dir, 'state');
const config = join(dir, 'wrangler.toml');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');
const decoder = Uint8Array.from({ length: 3000 }, (_, i) => (i * 7) % 256);
const encoder = new Uint8Array([1, 2, 3]);

function writeBundle(name: string, version: string, decoderSha = sha256(decoder)): string {
  mkdirSync(join(modelsDir, name), { recursive: true });
  writeFileSync(join(modelsDir, name, 'pixel_decoder.onnx'), decoder);
  writeFileSync(join(modelsDir, name, 'image_encoder.onnx'), encoder);
  const spec = (file: string, sha: string, edge: boolean) => ({
    file, sha256: sha, edge, inputs: [], outputs: [],
  });
  const manifest = JSON.stringify({
    name, kind: 'pixel', version,
    graphs: {
      image_encoder: spec('image_encoder.onnx', sha256(encoder), false),
      pixel_decoder: spec('pixel_decoder.onnx', decoderSha, true),
    },
  });
  writeFileSync(join(modelsDir, name, 'manifest.json'), manifest);
  return manifest;
}

writeFileSync(config, [
  'name = "seed-test"',
  'main = "index.js"',
  '[[kv_namespaces]]',
  'binding = "ANSWERS"',
  'id = "answers"',
  '[[r2_buckets]]',
  'binding = "CACHE"',
  'bucket_name = "pixloom-cache"',
  '[[r2_buckets]]',
  'binding = "MODELS"',
  'bucket_name = "pixloom-models"',
  '',
].join('\n'));

/** Reads an object back through wrangler's own local storage. */
async function getObject(key: string): Promise<Buffer> {
  const child = spawn(process.execPath, [
    join('node_modules', 'wrangler', 'bin', 'wrangler.js'), 'r2', 'object', 'get',
    `pixloom-models/${key}`, '--local', '--pipe', '--persist-to', persistTo, '--config', config,
  ], { env: { ...process.env, ...WRANGLER_ENV }, stdio: ['ignore', 'pipe', 'pipe'] });
  const chunks: Buffer[] = [];
  child.stdout.on('data', (c: Buffer) => chunks.push(c));
  const [code] = await once(child, 'exit');
  expect(code).toBe(0);
  return Buffer.concat(chunks);
}

describe('seeding the local R2', () => {
  it('finds the bucket bound as MODELS in wrangler.toml', () => {
    expect(r2BucketName('MODELS', config)).toBe('pixloom-models');
    expect(r2BucketName('CACHE', config)).toBe('pixloom-cache');
    expect(() => r2BucketName('NOPE', config)).toThrow(/binds no R2 bucket as NOPE/);
  });

  it('lists each edge graph under its version and the manifest under the bundle name', () => {
    const manifest = writeBundle('tiny-pixel', '2026-12-04.1');
    expect(edgeObjects(modelsDir)).toEqual([
      {
        key: 'models/tiny-pixel/2026-12-04.1/pixel_decoder.onnx',
        file: join(modelsDir, 'tiny-pixel', 'pixel_decoder.onnx'),
        sha256: sha256(decoder),
      },
      {
        key: 'models/tiny-pixel/manifest.json',
        file: join(modelsDir, 'tiny-pixel', 'manifest.json'),
        sha256: sha256(manifest),
      },
    ]);
  });

  it('refuses a graph whose bytes differ from its manifest', () => {
    writeBundle('tiny-pixel', '1', 'f'.repeat(64));
    expect(() => edgeObjects(modelsDir))
      .toThrow(/pixel_decoder\.onnx is corrupt \(its sha256 differs from the manifest\)/);
    writeBundle('tiny-pixel', '2026-12-04.1');
  });

  it('puts the objects with wrangler, reads them back, and skips them when unchanged', async () => {
    const put: string[] = [];
    const handlers = () => ['SIGINT', 'SIGTERM', 'SIGHUP'].map((s) => process.listenerCount(s));
    const before = handlers();
    await seedLocalR2({ modelsDir, persistTo, config, sink: (line) => put.push(line) });
    // The local runtime's own signal handlers are gone again, so Ctrl-C reaches npm start.
    expect(handlers()).toEqual(before);
    expect(put).toEqual([
      'put pixloom-models/models/tiny-pixel/2026-12-04.1/pixel_decoder.onnx',
      'put pixloom-models/models/tiny-pixel/manifest.json',
    ]);
    const graph = await getObject('models/tiny-pixel/2026-12-04.1/pixel_decoder.onnx');
    expect(sha256(graph)).toBe(sha256(decoder));

    const again: string[] = [];
    await seedLocalR2({ modelsDir, persistTo, config, sink: (line) => again.push(line) });
    expect(again).toEqual([]);

    writeBundle('tiny-pixel', '2026-12-05.1');
    const next: string[] = [];
    await seedLocalR2({ modelsDir, persistTo, config, sink: (line) => next.push(line) });
    expect(next).toEqual([
      'put pixloom-models/models/tiny-pixel/2026-12-05.1/pixel_decoder.onnx',
      'put pixloom-models/models/tiny-pixel/manifest.json',
    ]);
    const manifest = JSON.parse((await getObject('models/tiny-pixel/manifest.json')).toString());
    expect(manifest.version).toBe('2026-12-05.1');
  });
});

describe('startStack', () => {
  it('starts both processes, signs the edge calls, and stops both', async () => {
    const modelsDirShipped = process.env.PIXLOOM_MODELS_DIR
      ?? join(import.meta.dirname, '..', 'gpu-service', 'models');
    const lines: string[] = [];
    const stack = await startStack({
      edgePort: 8816,
      gpuPort: 8817,
      modelsDir: modelsDirShipped,
      persistTo: join(dir, 'stack-state'),
      sink: (name, line) => lines.push(`${name}: ${line}`),
    });
    try {
      expect(stack.graphqlUrl).toBe('http://127.0.0.1:8816/graphql');
      expect(stack.gpuUrl).toBe('http://127.0.0.1:8817');
      expect(lines).toContain('seed: put pixloom-models/models/pixel-ref/manifest.json');

      const ready = await fetch(`${stack.gpuUrl}/v2/health/ready`);
      expect(ready.status).toBe(200);
      // The gpu-service got a secret: an unsigned call is refused.
      const unsigned = await fetch(`${stack.gpuUrl}/v1/pixel/answer`, {
        method: 'POST', headers: { 'content-type': 'application/x-pixloom-frame' }, body: 'x',
      });
      expect(unsigned.status).toBe(401);

      const res = await fetch(stack.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
      expect(await res.json()).toEqual({ data: { __typename: 'Query' } });
      expect(existsSync(join(dir, 'edge-8816.secrets.env'))).toBe(true);
    } finally {
      await stack.stop();
    }
    expect(stack.gpu.exitStatus).toBe(0);
    expect(stack.edge.exitStatus).not.toBeNull();
    await expect(fetch(stack.gpuUrl)).rejects.toThrow();
    await expect(fetch(stack.graphqlUrl)).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 100));
    expect(existsSync(join(dir, 'edge-8816.secrets.env'))).toBe(false);
  });
});
