/**
 * ONNX vs PyTorch: every graph of each committed pixel bundle replays the inputs that export
 * recorded and must match PyTorch's outputs. Measured at export: max |diff| ≈ 2e-6 or less on
 * every output (image features, logits, hidden states, KV cache, mask logits).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBundle } from '../bundle.js';
import { checkParity } from './parity.js';

const MODELS = join(import.meta.dirname, '..', '..', 'models');
const TOLERANCE = 1e-4;

describe.each(['pixel-ref', 'pixel-ref-lisa'])('%s graph parity', (name) => {
  const dir = join(MODELS, name);
  it.skipIf(!existsSync(join(dir, 'manifest.json')))('matches PyTorch within 1e-4', async () => {
    const results = await checkParity(await loadBundle(dir));
    expect(results.map((r) => r.file)).toEqual([
      'image_encoder.json', 'lm_step_decode.json', 'lm_step_prefill.json', 'pixel_decoder.json',
    ]);
    for (const r of results) {
      for (const [output, diff] of Object.entries(r.maxAbsDiff)) {
        expect(diff, `${r.file} ${output}`).toBeLessThan(TOLERANCE);
      }
    }
  });
});
