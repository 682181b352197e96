/**
 * `POST /v1/pixel/answer`: image (or cached image tokens) and question in, answer text, each
 * target's phrase and seg embeddings out, as tensor frames (shared/src/wire.ts). With
 * `stream: true` the answer words are sent as they are generated, then the result.
 */
import type { ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import {
  encodeFrame, FRAME_CONTENT_TYPE, type FrameTensor, tensor,
} from '../../../shared/src/frame.js';
import type { ImageLimits } from '../../../shared/src/image.js';
import type { Logger } from '../../../shared/src/logger.js';
import type { PixelAnswerResponse, PixelStreamMeta } from '../../../shared/src/wire.js';
import { decodeImage } from './decode-image.js';
import { FrameStreamWriter } from './frame-stream.js';
import type { ImageFeatures, PixelAnswer, PixelEngine } from './pixel-engine.js';
import { parsePixelCall } from './pixel-request.js';
import { toServiceError } from './respond.js';
import type { WorkQueue } from './work-queue.js';

export interface PixelAnswerDeps {
  engine: PixelEngine;
  queue: WorkQueue;
  imageLimits: ImageLimits;
  maxQuestionChars: number;
}

/** Thrown from the token callback to stop decoding for a client that has gone away. */
class ClientGone extends Error {}

/**
 * Answers one call. Errors before the first streamed byte are thrown (the caller sends them as
 * JSON); errors after it end the stream with an error frame.
 */
export async function handlePixelAnswer(
  deps: PixelAnswerDeps,
  body: Uint8Array,
  res: ServerResponse,
  requestId: string,
  logger: Logger,
): Promise<void> {
  const started = performance.now();
  const { engine } = deps;
  const call = parsePixelCall(body, engine.manifest, deps.maxQuestionChars);
  const decoded = call.image ? await decodeImage(call.image, deps.imageLimits) : null;
  const writer = call.stream ? new FrameStreamWriter(res, requestId) : null;

  const onToken = writer && ((word: string) => {
    if (writer.clientGone) throw new ClientGone('client went away');
    writer.write<PixelStreamMeta>({ type: 'token', text: word });
  });

  let run: { features: ImageFeatures | null; answer: PixelAnswer; encodeMs: number; lmMs: number };
  try {
    run = await deps.queue.run(async () => {
      const t0 = performance.now();
      const features = decoded ? await engine.encode(decoded.image) : null;
      const t1 = performance.now();
      const tokens = features?.imageTokens ?? call.imageTokens!;
      const answer = await engine.answer(tokens, call.question, onToken ?? undefined);
      return { features, answer, encodeMs: t1 - t0, lmMs: performance.now() - t1 };
    });
  } catch (error) {
    if (error instanceof ClientGone || writer?.clientGone) {
      logger.info('client went away during decoding');
      return;
    }
    if (!writer?.started) throw error;
    const failure = toServiceError(error, requestId);
    logger.error('streamed call failed', { error });
    writer.end<PixelStreamMeta>({ type: 'error', code: failure.code, message: failure.message });
    return;
  }

  const { features, answer } = run;
  const meta: PixelAnswerResponse = {
    answer: answer.answer,
    targets: answer.targets.map((t) => ({ label: t.label })),
    model: { name: engine.manifest.name, version: engine.manifest.version },
    image: decoded && features
      ? { width: decoded.image.width, height: decoded.image.height, content: features.content }
      : null,
    encoderRan: features !== null,
    timings: {
      encodeMs: round(run.encodeMs),
      lmMs: round(run.lmMs),
      totalMs: round(performance.now() - started),
      tokens: answer.timings.tokens,
    },
  };
  const tensors = responseTensors(answer, call.wantFeatures ? features : null);
  logger.info('answered', {
    targets: meta.targets.length, encoderRan: meta.encoderRan, ...meta.timings,
  });

  if (writer) {
    writer.end<PixelStreamMeta>({ type: 'result', ...meta }, tensors);
    return;
  }
  const frame = encodeFrame(meta, tensors);
  res.writeHead(200, {
    'content-type': FRAME_CONTENT_TYPE,
    'content-length': frame.byteLength,
    'cache-control': 'no-store',
    'server-timing': `encode;dur=${meta.timings.encodeMs}, lm;dur=${meta.timings.lmMs}, `
      + `total;dur=${meta.timings.totalMs}`,
  });
  res.end(frame);
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

/** `seg_hidden` [targets, codebook tokens, hidden], and the encoder outputs when asked. */
function responseTensors(answer: PixelAnswer, features: ImageFeatures | null): FrameTensor[] {
  const out: FrameTensor[] = [];
  if (answer.targets.length > 0) {
    // [codebook tokens, hidden]; a leading batch axis of 1, if any, is dropped.
    const [tokens, hidden] = answer.targets[0].segHidden.dims.slice(-2);
    const size = tokens * hidden;
    const data = new Float32Array(answer.targets.length * size);
    answer.targets.forEach((t, i) => {
      if (t.segHidden.data.length !== size) {
        throw new Error(`target ${i} has ${t.segHidden.data.length} seg values, not ${size}`);
      }
      data.set(t.segHidden.data, i * size);
    });
    out.push(tensor('seg_hidden', data, [answer.targets.length, tokens, hidden]));
  }
  if (features) {
    out.push(tensor('image_tokens', features.imageTokens.data, features.imageTokens.dims));
    out.push(tensor('features_0', features.features0.data, features.features0.dims));
    out.push(tensor('features_1', features.features1.data, features.features1.dims));
  }
  return out;
}
