/**
 * Story benchmark, over real HTTP with the real subscription clients:
 * - firstKeyframeMs: createStory sent → first keyframe received by a subscriber (3 panels, the
 *   bundle's steps).
 * - fanoutP95Ms: for every frame and each of 3 subscribers (2 SSE, 1 WebSocket), arrival at the
 *   subscriber − the moment the story's Durable Object announced it (after storing it in R2);
 *   the p95 over all of them. lostFrames: frames some subscriber never received.
 * - csaVsPlain: generation time (identity + panels) with Consistent Self-Attention / without,
 *   same story, seed and steps.
 */
import { graphql } from '../../edge/test/graphql-client';
import type { Stack } from '../../scripts/start';
import { createStory, subscribeStory, type Subscription } from '../e2e/story-clients';

export interface StoryBenchResult {
  csaVsPlain: number;
  detail: Record<string, number>;
}

const PANELS = [
  { text: 'waving in the park' }, { text: 'running on the beach' },
  { text: 'sitting in the city' },
];
const TIMINGS = `query ($id: ID!) { story(id: $id) { frames timings {
  identityMs panelsMs firstKeyframeMs totalMs } } }`;

const quantile = (xs: number[], q: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};

async function timings(stack: Stack, id: string) {
  const { data } = await graphql<{ story: { frames: number; timings: Record<string, number> } }>(
    stack.graphqlUrl, TIMINGS, { id });
  return data!.story;
}

/** One story watched by `viewers` subscribers; resolves when all have completed. */
async function watch(stack: Stack, input: Record<string, unknown>, viewers: ('sse' | 'ws')[]) {
  const sent = performance.now();
  const id = await createStory(stack.graphqlUrl, input);
  const subs: Subscription[] = viewers.map((t) => subscribeStory(t, stack.graphqlUrl, id, null));
  await Promise.all(subs.map((s) => s.done));
  return { id, sent, subs };
}

export async function benchStory(stack: Stack): Promise<StoryBenchResult> {
  // Warm-up: the first run pays for graph initialisation.
  await watch(stack, { character: 'a girl with a red shirt', panels: PANELS, seed: 1, steps: 2 },
    ['sse']);

  const first = await watch(stack, { character: 'a girl with a red shirt', panels: PANELS,
    seed: 2 }, ['sse']);
  const sub = first.subs[0];
  const k = sub.events.findIndex((e) => e.__typename === 'KeyframeEvent');
  const firstKeyframeMs = sub.times[k] - first.sent;

  // Wall-clock epoch of a performance.now() reading, to compare with the edge's Date.now().
  const epoch = (t: number) => performance.timeOrigin + t;
  const fanout = await watch(stack, { character: 'a boy with a blue shirt', panels: PANELS,
    seed: 3, steps: 4, framesBetween: 8 }, ['sse', 'sse', 'ws']);
  const { frames } = await timings(stack, fanout.id);
  const added: number[] = [];
  let lostFrames = 0;
  for (const s of fanout.subs) {
    const got = new Set<number>();
    s.events.forEach((e, i) => {
      if (e.__typename !== 'FrameEvent') return;
      got.add(e.index!);
      added.push(epoch(s.times[i]) - e.announcedAt!);
    });
    lostFrames += frames - got.size;
  }

  const csa: number[] = [];
  const plain: number[] = [];
  for (const seed of [4, 5]) {
    for (const on of [true, false]) {
      const run = await watch(stack, { character: 'a girl with a red shirt', panels: PANELS,
        seed, steps: 10, consistentAttention: on }, ['sse']);
      const t = (await timings(stack, run.id)).timings;
      (on ? csa : plain).push(t.identityMs + t.panelsMs);
    }
  }
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  return {
    csaVsPlain: sum(csa) / sum(plain),
    detail: {
      firstKeyframeMs,
      edgeFirstKeyframeMs: (await timings(stack, first.id)).timings.firstKeyframeMs,
      fanoutP50Ms: quantile(added, 0.5),
      fanoutP95Ms: quantile(added, 0.95),
      fanoutFrames: frames,
      fanoutSubscribers: fanout.subs.length,
      lostFrames,
      csaGenerationMs: sum(csa) / csa.length,
      plainGenerationMs: sum(plain) / plain.length,
    },
  };
}
