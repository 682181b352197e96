/**
 * `pixloom segment <image> "<question>"`: uploads the image with the question (one GraphQL
 * multipart request), prints the answer and each segment: label, score, area, box and its mask
 * as COCO RLE, a PNG URL or polygons.
 */
import { type Endpoint, graphqlUpload } from './graphql.js';

export type MaskFormatName = 'rle' | 'png' | 'polygon';

export const MASK_FORMATS: readonly MaskFormatName[] = ['rle', 'png', 'polygon'];

const GRAPHQL_FORMAT = { rle: 'RLE', png: 'PNG', polygon: 'POLYGON' } as const;

export const SEGMENT_QUERY = /* GraphQL */ `
  query Segment($image: File, $question: String!, $format: MaskFormat!) {
    segment(image: $image, question: $question) {
      id imageId answer
      model { name version }
      cached { answer features }
      timings { edgeMs encodeMs lmMs decodeMs tokens }
      segments {
        index label score area
        bbox { x y width height }
        mask(format: $format) {
          __typename
          ... on RleMask { size counts }
          ... on PngMask { url width height }
          ... on PolygonMask { polygons }
        }
      }
    }
  }`;

type Mask =
  | { __typename: 'RleMask'; size: [number, number]; counts: string }
  | { __typename: 'PngMask'; url: string; width: number; height: number }
  | { __typename: 'PolygonMask'; polygons: number[][] };

export interface SegmentResult {
  id: string;
  imageId: string;
  answer: string;
  model: { name: string; version: string };
  cached: { answer: boolean; features: boolean };
  timings: { edgeMs: number; encodeMs: number | null; lmMs: number | null;
    decodeMs: number | null; tokens: number };
  segments: {
    index: number;
    label: string;
    score: number;
    area: number;
    bbox: { x: number; y: number; width: number; height: number } | null;
    mask: Mask;
  }[];
}

/** Asks the question about the image file at `path`; PNG mask URLs are made absolute. */
export async function segment(
  endpoint: Endpoint, path: string, question: string, format: MaskFormatName,
): Promise<SegmentResult> {
  const data = await graphqlUpload<{ segment: SegmentResult }>(endpoint, SEGMENT_QUERY,
    { question, format: GRAPHQL_FORMAT[format] }, 'image', path);
  const result = data.segment;
  for (const s of result.segments) {
    if (s.mask.__typename === 'PngMask') s.mask.url = new URL(s.mask.url, endpoint.url).href;
  }
  return result;
}

function describeMask(mask: Mask): string {
  switch (mask.__typename) {
    case 'RleMask':
      return `rle ${mask.size[0]}×${mask.size[1]} (height × width) counts ${mask.counts}`;
    case 'PngMask':
      return `png ${mask.width}×${mask.height} ${mask.url}`;
    case 'PolygonMask': {
      const points = mask.polygons.reduce((n, ring) => n + ring.length / 2, 0);
      const rings = mask.polygons.map((ring) => ring.map((v) => Math.round(v * 10) / 10)
        .join(',')).join(' | ');
      return `polygon ${mask.polygons.length} ring(s), ${points} points: ${rings}`;
    }
  }
}

/** The result as the lines `pixloom segment` prints. */
export function formatSegmentation(result: SegmentResult): string[] {
  const t = result.timings;
  const lines = [
    `answer: ${result.answer}`,
    `model: ${result.model.name} ${result.model.version}; image ${result.imageId.slice(0, 12)}…; `
      + `cached answer ${result.cached.answer}, features ${result.cached.features}; `
      + `edge ${Math.round(t.edgeMs)} ms`,
  ];
  if (result.segments.length === 0) lines.push('segments: none');
  for (const s of result.segments) {
    const box = s.bbox ? `${s.bbox.x},${s.bbox.y} ${s.bbox.width}×${s.bbox.height}` : 'empty';
    lines.push(`${s.index + 1}. ${s.label}  score ${s.score.toFixed(3)}  area ${s.area}  `
      + `bbox ${box}`);
    lines.push(`   ${describeMask(s.mask)}`);
  }
  return lines;
}
