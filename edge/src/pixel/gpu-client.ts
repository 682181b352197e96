/**
 * Calls the gpu-service's pixel pipeline (`POST /v1/pixel/answer`, shared/src/wire.ts): tensor
 * frames in and out, signed with HMAC when a secret is configured.
 */
import { isPixloomError, PixloomError, type ErrorCode } from '../../../shared/src/errors';
import { decodeFrame, encodeFrame, FRAME_CONTENT_TYPE, tensor, type Frame, type FrameTensor }
  from '../../../shared/src/frame';
import type { Logger } from '../../../shared/src/logger';
import { signRequest } from '../../../shared/src/signing';
import { PIXEL_ANSWER_PATH, type PixelAnswerRequest, type PixelAnswerResponse,
  type PixelStreamMeta, type ServiceError } from '../../../shared/src/wire';
import type { GpuPool } from '../resilience/gpu-pool';
import { withRetryAfter } from '../../../shared/src/retry-after';
import { readFrames } from './frame-reader';

export interface AnswerCall {
  imageId: string;
  /** The normalised question. */
  question: string;
  /** The image file bytes; the encoder runs. Exactly one of `image` and `imageTokens`. */
  image?: Uint8Array;
  /** Cached encoder output; the encoder is skipped. */
  imageTokens?: FrameTensor;
  /** Ask for the encoder outputs so they can be cached (ignored with `imageTokens`). */
  wantFeatures: boolean;
}

export interface ImageFeatures {
  imageTokens: FrameTensor;
  features0: FrameTensor;
  features1: FrameTensor;
}

export interface AnswerResult {
  response: PixelAnswerResponse;
  /** [targets, codebook tokens, hidden]; `null` when the answer names nothing. */
  segHidden: FrameTensor | null;
  /** Present when asked for and the encoder ran. */
  features: ImageFeatures | null;
}

export type AnswerEvent =
  | { type: 'token'; text: string }
  | { type: 'result'; result: AnswerResult };

/** Codes of the gpu-service that describe the caller's input, passed on to the client. */
const CLIENT_CODES: ReadonlySet<string> = new Set<ErrorCode>([
  'BAD_REQUEST', 'BAD_IMAGE', 'UNSUPPORTED_IMAGE', 'IMAGE_TOO_LARGE', 'PAYLOAD_TOO_LARGE',
  'UNAVAILABLE', 'BUSY',
]);

function resultFrom(frame: Frame<PixelAnswerResponse>): AnswerResult {
  const t = frame.tensors;
  const features = t.image_tokens && t.features_0 && t.features_1
    ? { imageTokens: t.image_tokens, features0: t.features_0, features1: t.features_1 }
    : null;
  return { response: frame.meta, segHidden: t.seg_hidden ?? null, features };
}

export class GpuClient {
  constructor(
    private readonly pool: GpuPool,
    private readonly secret: string | null,
    private readonly logger: Logger,
  ) {}

  /** One pipeline call; resolves when the whole answer is ready. */
  async answer(call: AnswerCall, signal?: AbortSignal): Promise<AnswerResult> {
    const response = await this.post(call, false, signal);
    const frame = decodeFrame<PixelAnswerResponse>(new Uint8Array(await response.arrayBuffer()));
    return resultFrom(frame);
  }

  /** The streaming call: answer words as generated, then the result. */
  async* answerStream(call: AnswerCall, signal?: AbortSignal): AsyncGenerator<AnswerEvent> {
    const response = await this.post(call, true, signal);
    if (!response.body) throw new Error('gpu-service stream response has no body');
    for await (const frame of readFrames<PixelStreamMeta>(response.body)) {
      const meta = frame.meta;
      if (meta.type === 'token') {
        yield { type: 'token', text: meta.text };
      } else if (meta.type === 'error') {
        throw this.serviceError(meta.code, meta.message, 0);
      } else {
        const { type: _type, ...rest } = meta;
        yield { type: 'result', result: resultFrom({ meta: rest, tensors: frame.tensors }) };
        return;
      }
    }
    throw new PixloomError('UNAVAILABLE', 'The gpu-service stream ended before its result; '
      + 'retry the request.');
  }

  private async post(call: AnswerCall, stream: boolean, signal?: AbortSignal): Promise<Response> {
    const meta: PixelAnswerRequest = {
      imageId: call.imageId,
      question: call.question,
      wantFeatures: call.imageTokens ? false : call.wantFeatures,
      ...(stream ? { stream: true } : {}),
    };
    const tensors = call.imageTokens
      ? [{ ...call.imageTokens, name: 'image_tokens' }]
      : [tensor('image', call.image as Uint8Array, [(call.image as Uint8Array).length])];
    const body = encodeFrame(meta, tensors);
    // Each attempt is signed afresh: the gpu-service refuses a nonce it has seen.
    const send = async (baseUrl: string, attemptSignal: AbortSignal) => {
      const headers: Record<string, string> = { 'content-type': FRAME_CONTENT_TYPE };
      if (this.secret) {
        Object.assign(headers, await signRequest(this.secret, 'POST', PIXEL_ANSWER_PATH, body));
      }
      return fetch(`${baseUrl}${PIXEL_ANSWER_PATH}`, { method: 'POST', headers, body,
        signal: attemptSignal });
    };
    let response: Response;
    try {
      // The same question about the same image always gets the same answer: idempotent.
      response = await this.pool.request(send, { idempotent: true, signal });
    } catch (cause) {
      if (signal?.aborted || isPixloomError(cause)) throw cause;
      this.logger.error('gpu-service call failed', { urls: this.pool.urls, error: cause });
      throw new PixloomError('UNAVAILABLE', 'The gpu-service is not answering; retry in a '
        + 'moment.', { cause });
    }
    if (!response.ok) {
      let error: ServiceError['error'] | undefined;
      try {
        error = ((await response.json()) as ServiceError).error;
      } catch {
        error = undefined;
      }
      const failure = this.serviceError(error?.code ?? 'INTERNAL', error?.message ?? '',
        response.status);
      const retryAfter = Number(response.headers.get('retry-after'));
      throw retryAfter > 0 ? withRetryAfter(failure, retryAfter) : failure;
    }
    return response;
  }

  private serviceError(code: string, message: string, status: number): PixloomError {
    if (CLIENT_CODES.has(code as ErrorCode) && message !== '') {
      return new PixloomError(code as ErrorCode, message);
    }
    this.logger.error('gpu-service call failed', { code, message, status });
    const hint = code === 'UNAUTHENTICATED'
      ? ' (the edge and the gpu-service must share one secret: GPU_SERVICE_SECRET here, '
        + 'PIXLOOM_GPU_SECRET there)'
      : '';
    return new PixloomError('UNAVAILABLE', `The gpu-service could not answer${hint}; retry `
      + 'later.');
  }
}
