/** Reads and checks a `POST /v1/pixel/answer` request frame (see shared/src/wire.ts). */
import { createHash } from 'node:crypto';
import { PixloomError } from '../../../shared/src/errors.js';
import { decodeFrame } from '../../../shared/src/frame.js';
import type { BundleManifest } from '../../../shared/src/manifest.js';
import type { PixelAnswerRequest } from '../../../shared/src/wire.js';
import type { Tensor32 } from './pixel-engine.js';

export interface PixelCall {
  imageId: string;
  question: string;
  wantFeatures: boolean;
  stream: boolean;
  /** The encoded image file; absent when the call carries cached image tokens. */
  image?: Uint8Array;
  /** Cached encoder output: the encoder is skipped. */
  imageTokens?: Tensor32;
}

function bad(message: string): PixloomError {
  return new PixloomError('BAD_REQUEST', message);
}

/** The `[1, image tokens, hidden]` shape the bundle's LM reads, where the manifest says. */
function imageTokensShape(manifest: BundleManifest): [number, number] | null {
  const lm = manifest.lm as { imageTokens?: unknown; hidden?: unknown } | undefined;
  const ok = (n: unknown): n is number => Number.isInteger(n) && (n as number) > 0;
  return lm && ok(lm.imageTokens) && ok(lm.hidden) ? [lm.imageTokens, lm.hidden] : null;
}

/**
 * Parses the frame and checks every field.
 *
 * @throws PixloomError `BAD_REQUEST` with a sentence saying which field to fix;
 *   FrameError when the bytes are not a frame
 */
export function parsePixelCall(
  body: Uint8Array,
  manifest: BundleManifest,
  maxQuestionChars: number,
): PixelCall {
  const frame = decodeFrame<Partial<PixelAnswerRequest>>(body);
  const meta = frame.meta ?? {};
  if (typeof meta !== 'object') throw bad('The frame meta must be a JSON object.');

  const { imageId, question, wantFeatures = false, stream = false } = meta;
  if (typeof imageId !== 'string' || !/^[0-9a-f]{64}$/.test(imageId)) {
    throw bad('meta.imageId must be the SHA-256 of the image file as 64 lower-case hex digits.');
  }
  if (typeof question !== 'string' || question.trim() === '') {
    throw bad('meta.question must be a non-empty string: ask something about the image.');
  }
  if (question.length > maxQuestionChars) {
    throw bad(`meta.question has ${question.length} characters; ask in at most `
      + `${maxQuestionChars}.`);
  }
  if (typeof wantFeatures !== 'boolean' || typeof stream !== 'boolean') {
    throw bad('meta.wantFeatures and meta.stream must be true or false.');
  }

  const image = frame.tensors.image;
  const tokens = frame.tensors.image_tokens;
  if ((image === undefined) === (tokens === undefined)) {
    throw bad('Send exactly one of the tensors "image" (the file bytes, uint8) and '
      + '"image_tokens" (cached encoder output, float32).');
  }
  const call: PixelCall = { imageId, question: question.trim(), wantFeatures, stream };

  if (image !== undefined) {
    if (image.dtype !== 'uint8' || image.dims.length !== 1) {
      throw bad('The "image" tensor must be uint8 with dims [byteLength]: the file bytes.');
    }
    const bytes = image.data as Uint8Array;
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    if (sha256 !== imageId) {
      throw bad(`meta.imageId is ${imageId} but the image bytes hash to ${sha256}; send the `
        + 'SHA-256 of the exact bytes in the "image" tensor.');
    }
    call.image = bytes;
    return call;
  }

  const expected = imageTokensShape(manifest);
  const dims = tokens.dims;
  const shapeOk = dims.length === 3 && dims[0] === 1
    && (expected === null || (dims[1] === expected[0] && dims[2] === expected[1]));
  if (tokens.dtype !== 'float32' || !shapeOk) {
    const want = expected ? `[1, ${expected[0]}, ${expected[1]}]` : '[1, tokens, hidden]';
    throw bad(`The "image_tokens" tensor is ${tokens.dtype} [${dims}], but bundle `
      + `${manifest.name}@${manifest.version} reads float32 ${want}; send the image instead `
      + '(cached features from another bundle version do not fit).');
  }
  call.imageTokens = { data: tokens.data as Float32Array, dims };
  return call;
}
