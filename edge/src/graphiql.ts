/**
 * GraphiQL served by the edge itself: the whole app is inlined, so it works offline. It opens
 * with one tab per part of the API, holding an example of every query, mutation and
 * subscription (graphiql.test.ts checks each against the schema).
 */
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import type { GraphiQLOptions } from 'graphql-yoga';

/** A GraphiQL tab: a document of named operations and the variables they read. */
export interface ExampleTab {
  query: string;
  variables: string;
}

const json = (value: unknown) => JSON.stringify(value, null, 2);

/** Asking about an image: upload, segment, segmentStream, image. */
export const SEGMENT_TAB: ExampleTab = {
  query: `# pixloom: ask about an image; every object the answer names gets its own mask.
#
# 1. Upload an image. GraphiQL cannot send files, so use curl (multipart request):
#
#    curl http://127.0.0.1:8787/graphql \\
#      -F operations='{"query":"mutation ($f: File!) { uploadImage(file: $f) { id } }",
#                      "variables":{"f":null}}' \\
#      -F map='{"0":["variables.f"]}' -F 0=@scene.png
#
#    UploadImage below is that mutation, for reference.
# 2. Put the id it returns into the variables below, then run Segment.
#    Masks are decoded at the edge only when mask, bbox, area or score is selected.

query Segment($imageId: ID!, $question: String!) {
  segment(imageId: $imageId, question: $question) {
    id
    answer
    segments {
      label
      score
      area
      bbox { x y width height }
      mask(format: RLE) {
        ... on RleMask { size counts }
      }
      png: mask(format: PNG) {
        ... on PngMask { url }
      }
    }
    cached { answer features }
    timings { edgeMs pipelineMs encodeMs lmMs decodeMs tokens }
    model { name version }
  }
}

subscription SegmentStream($imageId: ID!, $question: String!) {
  segmentStream(imageId: $imageId, question: $question) {
    ... on AnswerToken { text }
    ... on SegmentDecoded { segment { label score bbox { x y width height } } }
    ... on SegmentationDone { segmentation { answer cached { answer features } } }
  }
}

query Image($imageId: ID!) {
  image(id: $imageId) { id width height format }
}

mutation UploadImage($file: File!) {
  uploadImage(file: $file) { id width height format }
}
`,
  variables: json({
    imageId: 'paste the id uploadImage returned',
    question: 'where are the red shapes?',
    file: null,
  }),
};

/** A story: createStory, then its events, its state, and cancelStory. */
export const STORY_TAB: ExampleTab = {
  query: `# Tell a story: run CreateStory, put the id it returns into the variables, then run
# StoryEvents to watch keyframes and frames arrive (after: N replays what came after event N).

mutation CreateStory($input: CreateStoryInput!) {
  createStory(input: $input) { id status createdAt }
}

subscription StoryEvents($id: ID!, $after: Int) {
  storyEvents(id: $id, after: $after) {
    seq
    __typename
    ... on StoryProgressEvent { stage step of }
    ... on KeyframeEvent { keyframe { index url caption } announcedAt }
    ... on FrameEvent { index url }
    ... on StoryCompletedEvent { story { page { url } video { url frames fps } } }
    ... on StoryFailedEvent { code message }
  }
}

query Story($id: ID!) {
  story(id: $id) {
    id
    status
    progress { stage step of }
    keyframes { index url caption }
    frames
    page { url width height }
    video { url frames fps }
    timings { seed firstKeyframeMs totalMs }
    error { code message }
    lastSeq
    viewers
  }
}

mutation CancelStory($id: ID!) {
  cancelStory(id: $id) { id status }
}
`,
  variables: json({
    input: {
      character: 'a girl in a red shirt with a cap',
      panels: [
        { text: 'waving in the park', caption: 'Morning.' },
        { text: 'running on the beach' },
        { text: 'sitting in the city' },
      ],
      framesBetween: 4,
      fps: 8,
    },
    id: 'paste the id createStory returned',
    after: 0,
  }),
};

/** Listing stories page by page, and loading any object by its global id. */
export const STORIES_TAB: ExampleTab = {
  query: `# Stories, newest first, as a Relay connection. Page forwards with first and
# after: <pageInfo.endCursor>, backwards with last and before: <pageInfo.startCursor>.
# Every Story id is a global id that node and nodes load.

query Stories($first: Int, $after: String) {
  stories(first: $first, after: $after) {
    edges { cursor node { id status createdAt keyframes { url } } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}

query OlderStoriesFirst($last: Int, $before: String) {
  stories(last: $last, before: $before) {
    edges { cursor node { id status createdAt } }
    pageInfo { hasPreviousPage startCursor }
  }
}

query Node($id: ID!) {
  node(id: $id) {
    id
    ... on Story { status createdAt }
  }
}

query Nodes($ids: [ID!]!) {
  nodes(ids: $ids) { id __typename }
}
`,
  variables: json({
    first: 5,
    after: null,
    last: 5,
    before: null,
    id: 'paste a Story id',
    ids: ['paste a Story id'],
  }),
};

export const EXAMPLE_TABS: readonly ExampleTab[] = [SEGMENT_TAB, STORY_TAB, STORIES_TAB];

/**
 * GraphiQL options: the example tabs, SSE for subscriptions. `variables` is GraphiQL's own
 * prop, which yoga's renderer passes on: GraphiQL fills the first tab's variables editor from
 * it rather than from the tab, so without it that tab would open with no variables.
 */
export const graphiqlOptions: GraphiQLOptions & { variables: string } = {
  title: 'pixloom',
  defaultTabs: EXAMPLE_TABS.map((tab) => ({ ...tab })),
  defaultQuery: SEGMENT_TAB.query,
  variables: SEGMENT_TAB.variables,
  subscriptionsProtocol: 'SSE',
};

export { renderGraphiQL };
