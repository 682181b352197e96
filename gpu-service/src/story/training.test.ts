/**
 * Training quick mode: a few steps of every part and an export still run, and the exported
 * graphs match PyTorch. Runs only where Debian's PyTorch is installed
 * (`/usr/bin/python3 -c "import torch"`); elsewhere it is skipped with a message.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseManifest } from '../../../shared/src/manifest.js';
import { loadBundle } from '../bundle.js';
import { PYTHON, ROOT, torchReady } from '../training-python.js';
import { checkParity } from './parity.js';

const torchAvailable = torchReady('story training quick mode');

describe('story training quick mode', () => {
  const work = mkdtempSync(join(tmpdir(), 'story-quick-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it.skipIf(!torchAvailable)('trains every part a few steps and exports a matching bundle',
    async () => {
      const out = join(work, 'bundle');
      const run = spawnSync(PYTHON, [join(ROOT, 'gpu-service/training/story/train.py'),
        '--quick', '--threads', '1', '--run', join(work, 'run'), '--bundle', out],
      { encoding: 'utf8', timeout: 240_000, env: { ...process.env, OPENBLAS_NUM_THREADS: '1' } });
      expect(run.status, run.stderr.slice(-2000)).toBe(0);
      expect(run.stdout).toMatch(/unet: done: 10 steps/);
      const manifest = parseManifest(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')));
      expect(manifest.kind).toBe('story');
      expect(Object.keys(manifest.graphs).sort()).toEqual(['classifier', 'latent_decoder',
        'latent_encoder', 'motion_predictor', 'text_encoder', 'unet']);
      expect(manifest.graphs.latent_decoder.edge).toBe(true);
      const bundle = await loadBundle(out, { graphs: ['unet', 'text_encoder'] });
      for (const [key, session] of Object.entries(bundle.sessions)) {
        for (const diff of Object.values((await checkParity(out, key, session)).maxAbsDiff)) {
          expect(diff, key).toBeLessThan(1e-4);
        }
      }
    }, 300_000);
});
