/**
 * The edge ↔ gpu-service contract. Requests and responses are tensor frames (see frame.ts);
 * the types here are the `meta` of each frame, and the tensor names each side sends.
 */

/** Pixel pipeline call: `POST /v1/pixel/answer`, body and response are frames. */
export const PIXEL_ANSWER_PATH = '/v1/pixel/answer';

export interface PixelAnswerRequest {
  /** SHA-256 hex of the image file bytes: keys every cache. */
  imageId: string;
  question: string;
  /**
   * Whether the response must carry the encoder outputs (image tokens and decoder features),
   * so the edge can cache them. Ignored when the request carries `image_tokens`.
   */
  wantFeatures: boolean;
  /** Stream answer words as they are generated (response is a frame stream). */
  stream?: boolean;
}
/**
 * Request tensors: either `image` (uint8, the encoded file bytes, dims [byteLength]) or
 * `image_tokens` (float32, cached encoder output: the encoder is skipped) — exactly one.
 */
export type PixelAnswerRequestTensor = 'image' | 'image_tokens';

export interface PixelTargetMeta {
  /** The answer's phrase that names this target, e.g. "the red circle". */
  label: string;
}

export interface PixelAnswerResponse {
  answer: string;
  targets: PixelTargetMeta[];
  model: { name: string; version: string };
  /** Original image size and the part of the model frame the image covers. */
  image: { width: number; height: number; content: { width: number; height: number } } | null;
  encoderRan: boolean;
  timings: { encodeMs: number; lmMs: number; totalMs: number; tokens: number };
}
/**
 * Response tensors: `seg_hidden` float32 [targets, codebook tokens, hidden] (absent when no
 * targets), and with features: `image_tokens`, `features_0`, `features_1`.
 */
export type PixelAnswerResponseTensor = 'seg_hidden' | 'image_tokens' | 'features_0' | 'features_1';

/**
 * Streaming: with `stream: true` the response body is a sequence of length-prefixed frames
 * (u32 little-endian byte length, then the frame). Word frames have meta
 * `{ type: 'token', text }`; the last frame has meta `{ type: 'result', ...PixelAnswerResponse }`
 * and the tensors; a failure ends the stream with `{ type: 'error', code, message }`.
 */
export type PixelStreamMeta =
  | { type: 'token'; text: string }
  | ({ type: 'result' } & PixelAnswerResponse)
  | { type: 'error'; code: string; message: string };

/** Error body of any gpu-service call that fails (JSON). */
export interface ServiceError {
  error: { code: string; message: string };
}

export const HEALTH_LIVE_PATH = '/v2/health/live';
export const HEALTH_READY_PATH = '/v2/health/ready';
