/**
 * Story subscriptions with the real clients: graphql-sse (Server-Sent Events) and graphql-ws
 * (WebSocket). Each collects a subscription's events until it completes or is stopped.
 */
import { createClient as createSseClient } from 'graphql-sse';
import { createClient as createWsClient } from 'graphql-ws';
import WebSocket from 'ws';
import { graphql } from '../../edge/test/graphql-client';

export interface StoryEventOut {
  seq: number;
  __typename: string;
  step?: number;
  stage?: string;
  index?: number;
  url?: string;
  keyframe?: { index: number; url: string; caption: string | null };
  story?: { status: string };
  code?: string;
  announcedAt?: number;
  preview?: string | null;
}

export const EVENTS_QUERY = `subscription ($id: ID!, $after: Int) {
  storyEvents(id: $id, after: $after) {
    seq __typename
    ... on StoryProgressEvent { stage step of }
    ... on KeyframeEvent { keyframe { index url caption } announcedAt }
    ... on FrameEvent { index url announcedAt preview }
    ... on StoryCompletedEvent { story { status } }
    ... on StoryFailedEvent { code message }
  }
}`;

export interface Subscription {
  events: StoryEventOut[];
  /** Arrival time (ms, performance.now) of each event. */
  times: number[];
  /** Resolves when the server completes the subscription. */
  done: Promise<void>;
  /** Stops it from the client side. */
  stop(): void;
}

type Transport = 'sse' | 'ws';

/**
 * Subscribes to `storyEvents(id, after)`; `onEvent` may return true to stop after that event
 * (a viewer that leaves).
 */
export function subscribeStory(
  transport: Transport,
  graphqlUrl: string,
  id: string,
  after: number | null,
  onEvent?: (e: StoryEventOut) => boolean | void,
): Subscription {
  const events: StoryEventOut[] = [];
  const times: number[] = [];
  let dispose: () => void = () => undefined;
  let finish: () => void = () => undefined;
  let fail: (error: unknown) => void = () => undefined;
  const done = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  const sink = {
    next: (value: { data?: unknown; errors?: unknown }) => {
      if (value.errors) {
        fail(new Error(JSON.stringify(value.errors)));
        return;
      }
      const e = (value.data as { storyEvents: StoryEventOut }).storyEvents;
      events.push(e);
      times.push(performance.now());
      if (onEvent?.(e)) {
        stop();
        finish();
      }
    },
    error: (error: unknown) => fail(error),
    complete: () => finish(),
  };
  const payload = { query: EVENTS_QUERY, variables: { id, after } };
  let client: { dispose(): void | Promise<void> };
  if (transport === 'sse') {
    const sse = createSseClient({ url: graphqlUrl, retryAttempts: 0 });
    client = sse;
    dispose = sse.subscribe(payload, sink);
  } else {
    const ws = createWsClient({ url: graphqlUrl.replace(/^http/, 'ws'), webSocketImpl: WebSocket,
      retryAttempts: 0, lazy: true });
    client = ws;
    dispose = ws.subscribe(payload, sink);
  }
  const stop = () => {
    dispose();
    void client.dispose();
  };
  return { events, times, done: done.finally(() => stop()), stop };
}

const CREATE = `mutation ($input: CreateStoryInput!) {
  createStory(input: $input) { id status } }`;

/** Starts a story with createStory; resolves with its id once it is QUEUED. */
export async function createStory(url: string, input: Record<string, unknown>): Promise<string> {
  const result = await graphql<{ createStory: { id: string; status: string } }>(url, CREATE,
    { input });
  const story = result.data?.createStory;
  if (!story || story.status !== 'QUEUED') {
    throw new Error(`createStory failed: ${JSON.stringify(result.errors ?? result.data)}`);
  }
  return story.id;
}
