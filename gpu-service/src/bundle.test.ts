/**
 * Bundle loading against the committed pixel-ref bundle: hashes are checked, a missing or
 * altered graph is named in the error, and asking for CUDA where its provider is absent fails
 * instead of running on the CPU.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { afterAll, describe, expect, it } from 'vitest';
import { loadBundle } from './bundle.js';

const BUNDLE = join(import.meta.dirname, '..', 'models', 'pixel-ref');
const work = mkdtempSync(join(tmpdir(), 'bundle-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function copyBundle(name: string): string {
  const dir = join(work, name);
  cpSync(BUNDLE, dir, { recursive: true });
  return dir;
}

/** Whether onnxruntime-node's CUDA provider library is installed next to its binding. */
function cudaProviderInstalled(): boolean {
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve('onnxruntime-node/package.json'));
  const bin = join(root, 'bin');
  const walk = (d: string): boolean => readdirSync(d, { withFileTypes: true }).some((e) =>
    (e.isDirectory() ? walk(join(d, e.name)) : e.name.startsWith('libonnxruntime_providers_cuda')));
  return existsSync(bin) && walk(bin);
}

describe.skipIf(!existsSync(join(BUNDLE, 'manifest.json')))('loadBundle', () => {
  it('loads pixel-ref with every graph and its vocabulary', async () => {
    const b = await loadBundle(BUNDLE);
    expect(Object.keys(b.sessions).sort()).toEqual(['image_encoder', 'lm_step', 'pixel_decoder']);
    expect(b.sessions.lm_step.inputNames.slice(0, 2)).toEqual(['image_tokens', 'input_ids']);
    expect(b.manifest.graphs.pixel_decoder.edge).toBe(true);
    expect((b.vocabulary as { tokens: string[] }).tokens[0]).toBe('<pad>');
    expect(b.executionProvider).toBe('cpu');
  });

  it('names the graph file whose hash differs from the manifest', async () => {
    const dir = copyBundle('altered');
    const file = join(dir, 'pixel_decoder.onnx');
    writeFileSync(file, Buffer.concat([Buffer.from('x'), Buffer.alloc(16)]));
    await expect(loadBundle(dir)).rejects.toMatchObject({
      code: 'BUNDLE_HASH_MISMATCH',
      message: expect.stringContaining(file),
    });
  });

  it('names a missing graph file', async () => {
    const dir = copyBundle('missing');
    rmSync(join(dir, 'lm_step.onnx'));
    await expect(loadBundle(dir)).rejects.toMatchObject({
      code: 'BUNDLE_MISSING_FILE',
      message: expect.stringContaining(join(dir, 'lm_step.onnx')),
    });
  });

  it('checks the vocabulary hash too', async () => {
    const dir = copyBundle('vocab');
    writeFileSync(join(dir, 'vocab.json'), '{"tokens":[]}');
    await expect(loadBundle(dir)).rejects.toMatchObject({ code: 'BUNDLE_HASH_MISMATCH' });
  });

  it('refuses a folder without a manifest', async () => {
    await expect(loadBundle(join(work, 'nothing'))).rejects.toMatchObject({
      code: 'BUNDLE_MISSING_FILE',
      message: expect.stringContaining('manifest.json'),
    });
  });

  it.skipIf(cudaProviderInstalled())('fails loudly when CUDA is asked for but absent', async () => {
    await expect(loadBundle(BUNDLE, { executionProvider: 'cuda', graphs: ['pixel_decoder'] }))
      .rejects.toMatchObject({ code: 'EXECUTION_PROVIDER_UNAVAILABLE' });
  });
});
