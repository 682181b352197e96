/**
 * `POST /v1/story/jobs` and `POST /v1/story/jobs/:id/cancel` (shared/src/story-wire.ts). A job
 * answers with a frame stream: accepted, then the pipeline's events as they happen, the comic
 * page and the video, then completed, failed or cancelled. The client leaving cancels the job.
 */
import type { ServerResponse } from 'node:http';
import { isPixloomError, PixloomError } from '../../../shared/src/errors.js';
import { decodeFrame, tensor } from '../../../shared/src/frame.js';
import type { Logger } from '../../../shared/src/logger.js';
import {
  STORY_JOB_ID, type StoryCancelResponse, type StoryJobRequest, type StoryJobSpec,
  type StoryStreamMeta,
} from '../../../shared/src/story-wire.js';
import { FrameStreamWriter } from '../http/frame-stream.js';
import { sendJson, toServiceError } from '../http/respond.js';
import type { StoryEvent, StoryPipeline } from '../story/pipeline.js';
import { resolveStoryRequest, type StoryRequest } from '../story/story-request.js';
import { drawComicPage } from './comic-page.js';
import type { StoryJobQueue } from './job-queue.js';
import { encodeVideo } from './video.js';

export interface StoryJobDeps {
  pipeline: StoryPipeline;
  queue: StoryJobQueue;
}

const DEFAULT_FPS = 8;

function bad(message: string): never {
  throw new PixloomError('BAD_REQUEST', message);
}

/** Reads and checks a job request; every fixable mistake is a BAD_REQUEST before the stream. */
export function parseStoryJob(body: Uint8Array, pipeline: StoryPipeline):
{ jobId: string; request: StoryRequest; fps: number } {
  const { meta } = decodeFrame<StoryJobRequest>(body);
  if (typeof meta?.jobId !== 'string' || !STORY_JOB_ID.test(meta.jobId)) {
    bad('jobId must be 8 to 64 letters, digits, "_" or "-" (a UUID, for example).');
  }
  const spec: StoryJobSpec | undefined = meta.story;
  if (typeof spec !== 'object' || spec === null) bad('story is missing; send the story spec.');
  const fps = spec.fps ?? DEFAULT_FPS;
  if (!Number.isInteger(fps) || fps < 1 || fps > 60) {
    bad(`fps is ${fps}; send a whole number from 1 to 60.`);
  }
  const request: StoryRequest = {
    character: spec.character, panels: spec.panels, seed: spec.seed, steps: spec.steps,
    guidance: spec.guidance, consistentAttention: spec.consistentAttention,
    identityPanels: spec.identityPanels, framesBetween: spec.framesBetween,
  };
  const sch = pipeline.settings.scheduler;
  const resolved = resolveStoryRequest(request, {
    steps: sch.steps, guidance: sch.guidance,
    rate: pipeline.settings.consistentAttention.defaultRate,
  });
  // The seed is fixed here, so the timings and a retry name the seed that was used.
  return { jobId: meta.jobId, request: { ...request, seed: resolved.seed }, fps };
}

/** Runs one job and streams its events. Errors before the stream starts are thrown. */
export async function handleStoryJob(
  deps: StoryJobDeps,
  body: Uint8Array,
  res: ServerResponse,
  requestId: string,
  logger: Logger,
): Promise<void> {
  const { jobId, request, fps } = parseStoryJob(body, deps.pipeline);
  const received = Date.now();
  const writer = new FrameStreamWriter(res, requestId);
  const send = (meta: StoryStreamMeta, tensors: Parameters<typeof writer.write>[1] = []) => {
    writer.write<StoryStreamMeta>(meta, tensors);
  };

  let job: Promise<void>;
  try {
    job = deps.queue.run(jobId, (control) => runJob(control.signal));
  } catch (error) {
    if (isPixloomError(error) && error.code === 'BUSY') {
      res.setHeader('retry-after', String(deps.queue.retryAfterSeconds()));
    }
    throw error;
  }
  send({ type: 'accepted', jobId, waiting: deps.queue.size - 1 });
  res.once('close', () => {
    if (!res.writableFinished && deps.queue.cancel(jobId, 'client-gone')) {
      logger.info('story client went away; job cancelled', { jobId });
    }
  });

  async function runJob(signal: AbortSignal): Promise<void> {
    const queuedMs = Date.now() - received;
    const onEvent = (e: StoryEvent) => {
      if (e.type === 'progress') {
        send({ type: 'progress', stage: e.stage, step: e.step, of: e.of });
        return;
      }
      const { image, latent } = e;
      const tensors = [
        tensor('latent', latent.data, latent.dims),
        tensor('rgb', image.data, [image.height, image.width, 3]),
      ];
      if (e.type === 'keyframe') {
        send({ type: 'keyframe', index: e.index, caption: e.caption ?? null,
          width: image.width, height: image.height }, tensors);
      } else {
        send({ type: 'frame', index: e.index, width: image.width, height: image.height },
          tensors);
      }
    };
    const result = await deps.pipeline.generate(request, onEvent, signal);

    signal.throwIfAborted();
    const t0 = Date.now();
    send({ type: 'progress', stage: 'page', step: 0, of: 1 });
    const page = await drawComicPage(result.keyframes.map((image, i) => ({
      image, caption: request.panels[i].caption ?? null,
    })));
    send({ type: 'page', contentType: 'image/png', width: page.width, height: page.height },
      [tensor('file', page.png, [page.png.length])]);
    const pageMs = Date.now() - t0;

    signal.throwIfAborted();
    const t1 = Date.now();
    send({ type: 'progress', stage: 'video', step: 0, of: 1 });
    const video = await encodeVideo(result.frames.length > 0 ? result.frames : result.keyframes,
      result.frames.length > 0 ? fps : 1);
    send({ type: 'video', contentType: video.contentType, frames: video.frames, fps: video.fps },
      [tensor('file', video.file, [video.file.length])]);
    const videoMs = Date.now() - t1;

    const { timings } = result;
    send({ type: 'completed', timings: { ...timings, queuedMs, pageMs, videoMs,
      totalMs: Date.now() - received } });
    logger.info('story job completed', { jobId, ...timings, queuedMs, pageMs, videoMs });
  }

  try {
    await job;
  } catch (error) {
    const code = isPixloomError(error) ? error.code : null;
    if (code === 'CANCELLED') {
      logger.info('story job cancelled', { jobId });
      if (!writer.clientGone) send({ type: 'cancelled' });
    } else {
      const failure = toServiceError(error, requestId);
      if (failure.code === 'INTERNAL') logger.error('story job failed', { jobId, error });
      else logger.info('story job stopped', { jobId, code: failure.code });
      send({ type: 'failed', code: failure.code, message: failure.message });
    }
  }
  if (!writer.clientGone) res.end();
}

/** `POST /v1/story/jobs/:id/cancel`. */
export function handleStoryCancel(queue: StoryJobQueue, jobId: string, res: ServerResponse):
void {
  const answer: StoryCancelResponse = { jobId, cancelled: queue.cancel(jobId) };
  sendJson(res, 200, answer);
}
