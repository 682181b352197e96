/**
 * Training quick mode: a few steps and an export still run. Runs only where Debian's PyTorch is
 * installed (`/usr/bin/python3 -c "import torch"`); elsewhere it is skipped with a message.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseManifest } from '../../../shared/src/manifest.js';
import { PYTHON, ROOT, torchReady } from '../training-python.js';

const torchAvailable = torchReady('pixel training quick mode');

describe('pixel training quick mode', () => {
  const work = mkdtempSync(join(tmpdir(), 'pixel-quick-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it.skipIf(!torchAvailable)('trains a few steps and exports a loadable bundle', () => {
    const out = join(work, 'bundle');
    const run = spawnSync(PYTHON, [join(ROOT, 'gpu-service/training/pixel/train.py'), '--quick',
      '--threads', '1', '--out', join(work, 'run'), '--export', out],
    { encoding: 'utf8', timeout: 120_000, env: { ...process.env, OPENBLAS_NUM_THREADS: '1' } });
    expect(run.status, run.stderr.slice(-2000)).toBe(0);
    expect(run.stdout).toMatch(/trained 6 steps/);
    const manifest = parseManifest(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')));
    expect(Object.keys(manifest.graphs).sort()).toEqual(['image_encoder', 'lm_step',
      'pixel_decoder']);
    for (const g of Object.values(manifest.graphs)) {
      expect(existsSync(join(out, g.file))).toBe(true);
    }
    expect(manifest.codebook).toMatchObject({ scales: 2, tokensPerScale: 3, answer: 'per-target' });
  }, 150_000);
});
