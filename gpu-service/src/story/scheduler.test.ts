/** The DDIM scheduler against reference values computed by the training code (fixtures.py). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  cosineAlphasCumprod, ddimStep, ddimTimesteps, DdimScheduler, guide, type SchedulerSettings,
} from './scheduler.js';

const fixture = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', '..', 'test',
  'fixtures', 'story', 'python-reference.json'), 'utf8')) as {
  alphasCumprod: Record<string, number>;
  timesteps25: number[];
  timesteps10: number[];
  step: { x: number[]; v: number[]; alphaT: number; alphaPrev: number; prev: number[];
    x0: number[] };
};

const SETTINGS: SchedulerSettings = {
  kind: 'cosine', timesteps: 1000, offset: 0.008, maxBeta: 0.999, prediction: 'v',
  spacing: 'trailing', steps: 25, guidance: 4,
};

describe('cosine schedule', () => {
  it('matches PyTorch alpha_bar to 1e-12 relative', () => {
    const abar = cosineAlphasCumprod(1000);
    expect(abar).toHaveLength(1000);
    for (const [t, want] of Object.entries(fixture.alphasCumprod)) {
      expect(Math.abs(abar[Number(t)] - want) / want).toBeLessThan(1e-12);
    }
  });

  it('is decreasing and ends near zero SNR', () => {
    const abar = cosineAlphasCumprod(1000);
    for (let t = 1; t < 1000; t++) expect(abar[t]).toBeLessThan(abar[t - 1]);
    expect(abar[999]).toBeLessThan(1e-8);
  });
});

describe('DDIM', () => {
  it('spaces timesteps from T-1 ("trailing") like the training code', () => {
    expect(ddimTimesteps(25, 1000)).toEqual(fixture.timesteps25);
    expect(ddimTimesteps(10, 1000)).toEqual(fixture.timesteps10);
  });

  it('takes a v-prediction step like PyTorch (float64 reference, 1e-6)', () => {
    const s = fixture.step;
    const { prev, x0 } = ddimStep(Float32Array.from(s.x), Float32Array.from(s.v), s.alphaT,
      s.alphaPrev);
    s.prev.forEach((want, i) => expect(prev[i]).toBeCloseTo(want, 6));
    s.x0.forEach((want, i) => expect(x0[i]).toBeCloseTo(want, 6));
  });

  it('returns x0 at the last step (alpha_prev = 1)', () => {
    const sch = new DdimScheduler(SETTINGS, 4);
    expect(sch.timesteps).toEqual([999, 749, 499, 249]);
    const { alphaT, alphaPrev } = sch.alphas(3);
    expect(alphaPrev).toBe(1);
    const x = Float32Array.from([0.5, -1]);
    const v = Float32Array.from([0.2, 0.3]);
    const out = sch.step(3, x, v);
    const want = [0, 1].map((i) => Math.sqrt(alphaT) * x[i] - Math.sqrt(1 - alphaT) * v[i]);
    expect(out[0]).toBeCloseTo(want[0], 6);
    expect(out[1]).toBeCloseTo(want[1], 6);
  });

  it('uses the bundle table when the manifest carries one', () => {
    const table = Array.from({ length: 1000 }, (_, t) => 1 - (t + 1) / 1001);
    const sch = new DdimScheduler({ ...SETTINGS, alphasCumprod: table }, 2);
    expect(sch.alphas(0).alphaT).toBe(table[999]);
  });
});

describe('classifier-free guidance', () => {
  it('extrapolates from the unconditional towards the conditional prediction', () => {
    const out = guide(Float32Array.from([1, 2]), Float32Array.from([0, 1]), 4);
    expect(Array.from(out)).toEqual([4, 5]);
    expect(Array.from(guide(Float32Array.from([3]), Float32Array.from([1]), 1))).toEqual([3]);
  });
});
