/** The story pipeline on the committed story-ref bundle, with few steps. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { isPixloomError } from '../../../shared/src/errors.js';
import { StoryPipeline, type StoryEvent } from './pipeline.js';

const DIR = process.env.STORY_BUNDLE
  ?? join(import.meta.dirname, '..', '..', 'models', 'story-ref');
const present = existsSync(join(DIR, 'manifest.json'));

describe.skipIf(!present)('StoryPipeline', () => {
  let pipeline: StoryPipeline;
  beforeAll(async () => { pipeline = await StoryPipeline.load(DIR, { intraOpNumThreads: 1 }); });

  const request = {
    character: 'a kid in a red shirt', seed: 7, steps: 2, identityPanels: 2,
    panels: [{ text: 'waving in the park', caption: 'Hello' }, { text: 'sitting at night' },
      { text: 'jumping on the beach' }],
  };

  it('emits identity, panel and frame events in order', async () => {
    const events: StoryEvent[] = [];
    const result = await pipeline.generate({ ...request, framesBetween: 1 },
      (e) => { events.push(e); });
    const kinds = events.map((e) => (e.type === 'progress' ? `${e.stage}${e.step}/${e.of}`
      : `${e.type}${e.index}`));
    expect(kinds).toEqual(['identity1/2', 'identity2/2', 'keyframe0', 'keyframe1',
      'panels1/2', 'panels2/2', 'keyframe2', 'frame0', 'frame1', 'frames1/2', 'frame2',
      'frame3', 'frames2/2', 'frame4']);
    expect(result.keyframes).toHaveLength(3);
    expect(result.frames).toHaveLength(5);
    expect(result.frames[2]).toBe(result.keyframes[1]);
    const first = events.find((e) => e.type === 'keyframe');
    expect(first?.type === 'keyframe' && first.caption).toBe('Hello');
    expect(first?.type === 'keyframe' && first.latent.dims).toEqual([1, 4, 16, 16]);
    expect(result.keyframes[0].data).toHaveLength(64 * 64 * 3);
    expect(result.timings.seed).toBe(7);
  });

  it('gives the same story for the same seed', async () => {
    const a = await pipeline.generate(request, () => undefined);
    const b = await pipeline.generate(request, () => undefined);
    expect(Buffer.from(a.keyframes[2].data).equals(Buffer.from(b.keyframes[2].data))).toBe(true);
  });

  it('is exactly plain attention when Consistent Self-Attention is off', async () => {
    const off = { enabled: false, rate: 0.5 };
    const latents: number[][] = [];
    for (const panels of [request.panels.slice(0, 2), request.panels.slice(0, 1)]) {
      await pipeline.generate({ ...request, panels, identityPanels: panels.length,
        consistentAttention: off }, (e) => {
        if (e.type === 'keyframe' && e.index === 0) latents.push(Array.from(e.latent.data));
      });
    }
    let diff = 0;
    latents[0].forEach((v, i) => { diff = Math.max(diff, Math.abs(v - latents[1][i])); });
    expect(diff).toBeLessThan(1e-4);
  });

  it('stops between scheduler steps when the signal aborts', async () => {
    const ctl = new AbortController();
    const seen: string[] = [];
    const run = pipeline.generate(request, (e) => {
      seen.push(e.type);
      if (e.type === 'progress') ctl.abort();
    }, ctl.signal);
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen).toEqual(['progress']);
  });

  it('refuses a story without panels with BAD_REQUEST', async () => {
    const err = await pipeline.generate({ character: 'a kid', panels: [] }, () => undefined)
      .catch((e: unknown) => e);
    expect(isPixloomError(err) && err.code).toBe('BAD_REQUEST');
    expect((err as Error).message).toMatch(/at least one panel/);
  });
});
