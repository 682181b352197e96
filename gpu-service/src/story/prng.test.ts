/** The seeded generator behind initial noise and sampling masks. */
import { describe, expect, it } from 'vitest';
import { deriveSeed, Prng } from './prng.js';

describe('Prng', () => {
  it('repeats for a seed and differs between seeds', () => {
    const a = new Prng(42).normals(16);
    expect(new Prng(42).normals(16)).toEqual(a);
    expect(new Prng(43).normals(16)).not.toEqual(a);
  });

  it('draws uniforms in [0, 1) and standard normals', () => {
    const rng = new Prng(9);
    const u = Array.from({ length: 10000 }, () => rng.next());
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u)).toBeLessThan(1);
    const z = new Prng(9).normals(20000);
    const m = z.reduce((s, v) => s + v, 0) / z.length;
    const v = z.reduce((s, x) => s + (x - m) ** 2, 0) / z.length;
    expect(Math.abs(m)).toBeLessThan(0.03);
    expect(Math.abs(v - 1)).toBeLessThan(0.05);
  });

  it('derives distinct sub-stream seeds', () => {
    const seeds = new Set([0, 1, 2, 3, 1000].map((p) => deriveSeed(123, p)));
    expect(seeds.size).toBe(5);
    expect(deriveSeed(123, 4)).toBe(deriveSeed(123, 4));
  });
});
