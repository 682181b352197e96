/**
 * The TypeScript pipeline on the held-out set must reproduce the PyTorch eval of the same
 * checkpoint (eval-python.json, written by training/pixel/evaluate.py) within 0.01 gIoU.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateRecords } from './evaluate.js';
import { loadMuse } from './muse.js';
import { PixelPipeline } from './pipeline.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const FIXTURE = join(ROOT, 'test', 'fixtures', 'pixel-heldout', 'muse.json');

describe.each(['pixel-ref', 'pixel-ref-lisa'])('%s on the held-out set', (name) => {
  const dir = join(ROOT, 'gpu-service', 'models', name);
  const python = join(dir, 'eval-python.json');
  it.skipIf(!existsSync(python))('agrees with the PyTorch eval within 0.01 gIoU', async () => {
    const expected = JSON.parse(readFileSync(python, 'utf8')) as {
      gIoU: number; cIoU: number; byFamily: Record<string, { gIoU: number }>;
    };
    const pipeline = await PixelPipeline.load(dir);
    const report = await evaluateRecords(pipeline, await loadMuse(FIXTURE));
    await pipeline.release();
    expect(Math.abs(report.gIoU - expected.gIoU)).toBeLessThan(0.01);
    expect(Math.abs(report.cIoU - expected.cIoU)).toBeLessThan(0.01);
    expect(Object.keys(report.byFamily).sort()).toEqual(Object.keys(expected.byFamily).sort());
  }, 300_000);
});
