/** GraphiQL served by the edge itself: the whole app is inlined, so it works offline. */
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import type { GraphiQLOptions } from 'graphql-yoga';

/** The operation GraphiQL opens with. */
export const EXAMPLE_OPERATION = `# pixloom: ask about an image; every object the answer
# names gets its own mask.
#
# 1. Upload an image. GraphiQL cannot send files, so use curl (multipart request):
#
#    curl http://127.0.0.1:8787/graphql \\
#      -F operations='{"query":"mutation ($f: File!) { uploadImage(file: $f) { id } }",
#                      "variables":{"f":null}}' \\
#      -F map='{"0":["variables.f"]}' -F 0=@scene.png
#
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
`;

const EXAMPLE_VARIABLES = JSON.stringify({
  imageId: 'paste the id uploadImage returned',
  question: 'where are the red shapes?',
}, null, 2);

/** GraphiQL options: the example in a tab, SSE for subscriptions. */
export const graphiqlOptions: GraphiQLOptions = {
  title: 'pixloom',
  defaultTabs: [{ query: EXAMPLE_OPERATION, variables: EXAMPLE_VARIABLES }],
  defaultQuery: EXAMPLE_OPERATION,
  subscriptionsProtocol: 'SSE',
};

export { renderGraphiQL };
