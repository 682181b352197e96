/**
 * Story jobs under load and faults, through the edge in workerd with a fake story
 * gpu-service: 100 concurrent subscribers of one story each get every event, in order, with
 * no gap; a gpu-service that dies in the middle of a story gives subscribers a `failed` event
 * while the keyframes already announced stay readable.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/start';
import { createStory, subscribeStory, type Subscription } from '../e2e/story-clients';
import { startHardeningEdge, type HardeningEdge } from './edge-process';
import { FakeStoryService, FRAMES, KEYFRAMES } from './fake-story';
import { isolateHeap } from './isolate-heap';

const SECRET = 'hardening-story-secret-0123456789';
const SUBSCRIBERS = 100;
const fixture = (name: string) => new Uint8Array(readFileSync(join(ROOT, 'test', 'fixtures',
  'bad-inputs', name)));
const STORY = { character: 'a girl with a red shirt', seed: 3, steps: 4, framesBetween: 1,
  panels: [{ text: 'she waves', caption: 'Hello' }, { text: 'she runs' },
    { text: 'she sits' }] };

const gpu = new FakeStoryService(8836, fixture('ok.png'), fixture('animated.webp'));
let edge: HardeningEdge;

beforeAll(async () => {
  await gpu.start();
  edge = await startHardeningEdge({ port: 8838, gpuUrl: gpu.url, secret: SECRET,
    inspectorPort: 8833, vars: { PIXLOOM_AUTH: 'off' } });
});

afterAll(async () => {
  await edge?.stop();
  await gpu.stop();
});

const seqs = (s: Subscription) => s.events.map((e) => e.seq);

describe('story subscribers', () => {
  it(`${SUBSCRIBERS} concurrent subscribers each get every event, in order`, async () => {
    gpu.mode = 'complete';
    gpu.stepMs = 60;
    const id = await createStory(edge.graphqlUrl, STORY);
    const started = performance.now();
    const subs = Array.from({ length: SUBSCRIBERS }, () =>
      subscribeStory('sse', edge.graphqlUrl, id, null));
    await Promise.all(subs.map((s) => s.done));
    const ms = Math.round(performance.now() - started);
    const heap = await isolateHeap(8833);

    const reference = seqs(subs[0]);
    const last = subs[0].events.at(-1);
    expect(last?.__typename).toBe('StoryCompletedEvent');
    expect(reference).toEqual(Array.from({ length: reference.length }, (_, i) => i + 1));
    for (const s of subs) expect(seqs(s)).toEqual(reference);
    const kinds = subs[0].events.map((e) => e.__typename);
    expect(kinds.filter((k) => k === 'KeyframeEvent')).toHaveLength(KEYFRAMES);
    expect(kinds.filter((k) => k === 'FrameEvent')).toHaveLength(FRAMES);
    expect(heap.usedBytes).toBeLessThan(128 * 1024 * 1024);
    // The figures of this run, for the record.
    console.log(`${SUBSCRIBERS} subscribers: ${reference.length} events each, none lost, `
      + `${ms} ms for the whole story, isolate heap ${(heap.usedBytes / 1e6).toFixed(1)} MB`);
  });

  it('get a failed event when the gpu-service dies mid-story; announced keyframes stay',
    async () => {
      gpu.mode = 'die-after-keyframes';
      const id = await createStory(edge.graphqlUrl, STORY);
      const subs = Array.from({ length: 5 }, () =>
        subscribeStory('sse', edge.graphqlUrl, id, null));
      await Promise.all(subs.map((s) => s.done));
      for (const s of subs) {
        const last = s.events.at(-1);
        expect(last?.__typename).toBe('StoryFailedEvent');
        expect(last?.code).toBe('UNAVAILABLE');
      }
      const keyframes = subs[0].events.filter((e) => e.__typename === 'KeyframeEvent');
      expect(keyframes).toHaveLength(2);
      for (const k of keyframes) {
        const response = await fetch(k.keyframe!.url);
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toBe('image/png');
      }
    });
});
