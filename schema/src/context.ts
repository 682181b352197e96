/**
 * What the resolvers need from the server that hosts the schema. The schema only maps GraphQL
 * onto these services; the edge implements them (uploads, caches, the gpu-service call, the
 * pixel decoder), so the schema stays free of any runtime.
 */
import type { ImageFormat } from '../../shared/src/image';
import type { StoryService } from './story-context';

export interface ImageRecord {
  /** SHA-256 hex of the file bytes. */
  id: string;
  width: number;
  height: number;
  format: ImageFormat;
}

/** `segment` and `segmentStream` arguments: exactly one of `image` and `imageId`. */
export interface SegmentRequest {
  image?: File | null;
  imageId?: string | null;
  question: string;
}

export type MaskFormat = 'RLE' | 'PNG' | 'POLYGON';

export interface MaskRequest {
  format: MaskFormat;
  /** Output size; the image's own size when absent. */
  width?: number | null;
  height?: number | null;
  /** Probability above which a pixel belongs to the mask, in (0, 1). */
  threshold: number;
}

export type MaskValue =
  | { kind: 'rle'; size: [number, number]; counts: string }
  | { kind: 'png'; url: string; width: number; height: number }
  | { kind: 'polygon'; polygons: number[][] };

export interface BoundingBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Mask-derived facts of one target at the image's own size and threshold 0.5. */
export interface SegmentStats {
  /** Predicted mask quality in [0, 1]. */
  score: number;
  /** Foreground pixels. */
  area: number;
  /** `null` when the mask is empty. */
  bbox: BoundingBox | null;
}

/**
 * One object the answer names. Its mask is decoded only when `stats` or `mask` is called; all
 * segments of a segmentation share one decoder batch.
 */
export interface SegmentRecord {
  index: number;
  /** The answer's phrase that names this object. */
  label: string;
  stats(): Promise<SegmentStats>;
  mask(request: MaskRequest): Promise<MaskValue>;
}

export interface SegmentationTimings {
  /** Time the edge spent getting the answer (caches and the gpu-service call). */
  edgeMs: number;
  /** The gpu-service pipeline's own time; `null` when the gpu-service was not called. */
  pipelineMs: number | null;
  /** Image encoder time; `null` when the encoder did not run for this request. */
  encodeMs: number | null;
  /** Language model time; `null` when the gpu-service was not called. */
  lmMs: number | null;
  /** Tokens the language model generated for the answer. */
  tokens: number;
}

export interface SegmentationRecord {
  /** Stable id of (image, normalised question, bundle version). */
  id: string;
  imageId: string;
  answer: string;
  model: { name: string; version: string };
  timings: SegmentationTimings;
  cached: { answer: boolean; features: boolean };
  segments: SegmentRecord[];
  /**
   * Pixel decoder time once masks are decoded: `null` when no mask was asked for, 0 when the
   * masks of an identical recent query were reused.
   */
  decodeMs(): Promise<number | null>;
}

export type SegmentEventRecord =
  | { kind: 'token'; text: string }
  | { kind: 'segment'; segment: SegmentRecord }
  | { kind: 'done'; segmentation: SegmentationRecord };

export interface PixelService {
  uploadImage(file: File): Promise<ImageRecord>;
  image(id: string): Promise<ImageRecord | null>;
  segment(request: SegmentRequest): Promise<SegmentationRecord>;
  /**
   * Answer words as the language model writes them, then each segment once its mask is
   * decoded (when `decodeMasks`), then the whole segmentation.
   */
  segmentStream(
    request: SegmentRequest,
    options: { decodeMasks: boolean; signal?: AbortSignal },
  ): AsyncIterable<SegmentEventRecord>;
}

export interface PixloomContext {
  pixel: PixelService;
  /** Story jobs (schema/src/story-context.ts). */
  story: StoryService;
  /** Aborted when the client goes away. */
  signal?: AbortSignal;
}
