/**
 * `pixloom story "<character>" "<panel>" … [--frames N]`: starts a story with createStory, then
 * follows its `storyEvents` subscription over SSE (the graphql-sse client) with a progress bar,
 * and prints the keyframes, the comic page and the video when it completes.
 */
import { createClient } from 'graphql-sse';
import { ApiError, authHeaders, type Endpoint, graphql } from './graphql.js';
import { ProgressBar, type ProgressOutput } from './progress.js';

export const CREATE_STORY = /* GraphQL */ `
  mutation CreateStory($input: CreateStoryInput!) {
    createStory(input: $input) { id status }
  }`;

export const STORY_EVENTS = /* GraphQL */ `
  subscription StoryEvents($id: ID!) {
    storyEvents(id: $id) {
      seq __typename
      ... on StoryProgressEvent { stage step of }
      ... on KeyframeEvent { keyframe { index url caption } }
      ... on FrameEvent { index url }
      ... on StoryFailedEvent { code message }
      ... on StoryCompletedEvent {
        story {
          id status
          keyframes { index url caption }
          page { url contentType width height }
          video { url contentType frames fps }
          timings { totalMs firstKeyframeMs seed }
        }
      }
    }
  }`;

export interface StoryOptions {
  character: string;
  panels: string[];
  /** Video frames between consecutive keyframes. */
  framesBetween?: number;
  seed?: number;
}

export interface CompletedStory {
  id: string;
  status: string;
  keyframes: { index: number; url: string; caption: string | null }[];
  page: { url: string; contentType: string; width: number; height: number } | null;
  video: { url: string; contentType: string; frames: number; fps: number } | null;
  timings: { totalMs: number; firstKeyframeMs: number | null; seed: number } | null;
}

interface StoryEvent {
  seq: number;
  __typename: string;
  stage?: string;
  step?: number;
  of?: number;
  keyframe?: { index: number };
  index?: number;
  code?: string;
  message?: string;
  story?: CompletedStory;
}

/** Keyframes, frames between them, the page and the video: what the bar counts. */
export function expectedSteps(panels: number, framesBetween: number): number {
  return panels + Math.max(0, panels - 1) * framesBetween + 2;
}

/**
 * Creates the story and follows it to the end; resolves with the completed story (its URLs
 * made absolute), rejects with an ApiError when it fails or is cancelled.
 */
export async function tellStory(
  endpoint: Endpoint, options: StoryOptions, out: ProgressOutput,
): Promise<CompletedStory> {
  const input = {
    character: options.character,
    panels: options.panels.map((text) => ({ text })),
    ...(options.framesBetween !== undefined ? { framesBetween: options.framesBetween } : {}),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
  };
  const created = await graphql<{ createStory: { id: string } }>(endpoint, CREATE_STORY,
    { input });
  const { id } = created.createStory;
  out.write(`story ${id}\n`);

  const bar = new ProgressBar(out, expectedSteps(options.panels.length,
    options.framesBetween ?? 0));
  let done = 0;
  let stage = '';
  const client = createClient({ url: endpoint.url, headers: authHeaders(endpoint),
    retryAttempts: 3 });
  try {
    for await (const result of client.iterate<{ storyEvents: StoryEvent }>({
      query: STORY_EVENTS, variables: { id },
    })) {
      if (result.errors?.length) {
        const e = result.errors[0] as { message: string; extensions?: { code?: string } };
        throw new ApiError(e.extensions?.code ?? 'SUBSCRIPTION_FAILED', e.message);
      }
      const e = result.data!.storyEvents;
      switch (e.__typename) {
        case 'StoryProgressEvent':
          if (e.stage === 'video' && stage !== 'video') done++; // the comic page is done
          stage = e.stage!;
          bar.update(done, stage, `${e.step}/${e.of}`);
          break;
        case 'KeyframeEvent':
          bar.update(++done, 'keyframe', `${e.keyframe!.index + 1}/${options.panels.length}`);
          break;
        case 'FrameEvent':
          bar.grow(++done + 2);
          bar.update(done, 'frame', `${e.index! + 1}`);
          break;
        case 'StoryFailedEvent':
          bar.finish();
          throw new ApiError(e.code ?? 'FAILED', e.message ?? 'The story failed.');
        case 'StoryCancelledEvent':
          bar.finish();
          throw new ApiError('CANCELLED', `Story ${id} was cancelled.`);
        case 'StoryCompletedEvent': {
          bar.grow(done + 2);
          bar.update(done + 2, 'completed', '');
          bar.finish();
          return absolute(e.story!, endpoint.url);
        }
      }
    }
  } finally {
    client.dispose();
  }
  bar.finish();
  throw new ApiError('INCOMPLETE', `The event stream of story ${id} ended before the story `
    + 'completed; read it later with the story query.');
}

function absolute(story: CompletedStory, base: string): CompletedStory {
  const abs = (url: string) => new URL(url, base).href;
  return {
    ...story,
    keyframes: story.keyframes.map((k) => ({ ...k, url: abs(k.url) })),
    page: story.page && { ...story.page, url: abs(story.page.url) },
    video: story.video && { ...story.video, url: abs(story.video.url) },
  };
}

/** The completed story as the lines `pixloom story` prints. */
export function formatStory(story: CompletedStory): string[] {
  const lines = [`story ${story.id}: ${story.status}`];
  for (const k of story.keyframes) {
    lines.push(`keyframe ${k.index + 1}: ${k.url}${k.caption ? `  (${k.caption})` : ''}`);
  }
  if (story.page) lines.push(`comic page: ${story.page.url}`);
  if (story.video) {
    const { url, frames, fps } = story.video;
    lines.push(`video: ${url} (${frames} frames at ${fps} fps)`);
  }
  if (story.timings) {
    lines.push(`took ${(story.timings.totalMs / 1000).toFixed(1)} s, seed ${story.timings.seed}`);
  }
  return lines;
}
