/**
 * ONNX vs PyTorch: every graph of each committed pixel bundle replays the inputs that export
 * recorded and must match PyTorch's outputs within 1e-4 plus 2e-6 of the output's largest
 * magnitude (float32 rounding grows with it). Measured: max |diff| ≤ 6.2e-6 (pixel-ref) and
 * ≤ 1.2e-5 (pixel-ref-lisa) on the image features, LM logits, hidden states and KV cache;
 * 7.6e-5 on pixel-ref mask logits that reach ±226 (3e-7 relative); 6e-8 on scores; the same
 * in onnxruntime-web. The pixel decoder, which runs at the edge, must also run in
 * onnxruntime-web (WASM, one thread).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ortWeb from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { loadBundle } from '../bundle.js';
import { checkParity } from './parity.js';

const MODELS = join(import.meta.dirname, '..', '..', 'models');
const TOLERANCE = 1e-4;
const RELATIVE = 2e-6;

interface Stored { name: string; dims: number[]; data: string }

function float32(t: Stored): Float32Array {
  return new Float32Array(new Uint8Array(Buffer.from(t.data, 'base64')).buffer);
}

describe.each(['pixel-ref', 'pixel-ref-lisa'])('%s graph parity', (name) => {
  const dir = join(MODELS, name);
  const present = existsSync(join(dir, 'manifest.json'));

  it.skipIf(!present)('matches PyTorch in onnxruntime-node', async () => {
    const results = await checkParity(await loadBundle(dir));
    expect(results.map((r) => r.file)).toEqual([
      'image_encoder.json', 'lm_step_decode.json', 'lm_step_prefill.json', 'pixel_decoder.json',
    ]);
    for (const r of results) {
      for (const [output, diff] of Object.entries(r.maxAbsDiff)) {
        const bound = TOLERANCE + RELATIVE * r.maxAbsReference[output];
        expect(diff, `${r.file} ${output}`).toBeLessThan(bound);
      }
    }
  });

  it.skipIf(!present)('runs the pixel decoder in onnxruntime-web', async () => {
    ortWeb.env.wasm.numThreads = 1;
    const session = await ortWeb.InferenceSession.create(
      readFileSync(join(dir, 'pixel_decoder.onnx')), { executionProviders: ['wasm'] });
    const c = JSON.parse(readFileSync(join(dir, 'parity', 'pixel_decoder.json'), 'utf8')) as {
      inputs: Stored[]; outputs: Stored[];
    };
    const feeds: Record<string, ortWeb.Tensor> = {};
    for (const t of c.inputs) feeds[t.name] = new ortWeb.Tensor('float32', float32(t), t.dims);
    const out = await session.run(feeds);
    for (const t of c.outputs) {
      const want = float32(t);
      const got = out[t.name].data as Float32Array;
      expect(out[t.name].dims).toEqual(t.dims);
      let diff = 0;
      let scale = 0;
      for (let i = 0; i < want.length; i++) {
        diff = Math.max(diff, Math.abs(got[i] - want[i]));
        scale = Math.max(scale, Math.abs(want[i]));
      }
      expect(diff, t.name).toBeLessThan(TOLERANCE + RELATIVE * scale);
    }
    await session.release();
  });
});
