/**
 * The edge ↔ gpu-service contract of story jobs. The request is one tensor frame; the response
 * is a frame stream (u32 little-endian length, then the frame), one frame per event.
 *
 *   POST /v1/story/jobs              start a job (signed); answers with the event stream
 *   POST /v1/story/jobs/:id/cancel   stop it within one scheduler step (signed); JSON answer
 *
 * A full queue answers 503 `BUSY` with `Retry-After` (seconds) before any stream starts.
 */

export const STORY_JOBS_PATH = '/v1/story/jobs';

/** `POST /v1/story/jobs/<id>/cancel`. */
export function storyCancelPath(jobId: string): string {
  return `${STORY_JOBS_PATH}/${encodeURIComponent(jobId)}/cancel`;
}

/** Job ids: what the edge chooses (a UUID), checked by the gpu-service. */
export const STORY_JOB_ID = /^[\w-]{8,64}$/;

/** What a story is made of; mirrors the pipeline's request. */
export interface StoryJobSpec {
  character: string;
  panels: { text: string; caption?: string }[];
  seed?: number;
  steps?: number;
  guidance?: number;
  consistentAttention?: { enabled: boolean; rate: number };
  identityPanels?: number;
  /** Motion-predictor frames between consecutive keyframes. @default 0 */
  framesBetween?: number;
  /** Frames per second of the video. @default 8 */
  fps?: number;
}

/**
 * Limits the edge checks before it starts a job, so a caller hears of a mistake at once; the
 * gpu-service checks the same values again against its bundle.
 */
export const STORY_SPEC_LIMITS = {
  panels: 16, textChars: 300, steps: 100, guidance: 20, framesBetween: 24, fps: 60,
} as const;

/** Request frame meta (no tensors). */
export interface StoryJobRequest {
  jobId: string;
  story: StoryJobSpec;
}

export type StoryStage = 'queued' | 'identity' | 'panels' | 'frames' | 'page' | 'video';

export interface StoryJobTimings {
  seed: number;
  queuedMs: number;
  textMs: number;
  identityMs: number;
  panelsMs: number;
  framesMs: number;
  pageMs: number;
  videoMs: number;
  totalMs: number;
}

/**
 * Response frames, in order: `accepted`; `progress` (many); `keyframe` with tensors `latent`
 * float32 [C, H, W] and `rgb` uint8 [H, W, 3]; `frame` (same tensors); `page` with tensor
 * `file` (PNG bytes); `video` with tensor `file`; then exactly one of `completed`, `failed`,
 * `cancelled`.
 */
export type StoryStreamMeta =
  | { type: 'accepted'; jobId: string; waiting: number }
  | { type: 'progress'; stage: StoryStage; step: number; of: number }
  | { type: 'keyframe'; index: number; caption: string | null; width: number; height: number }
  | { type: 'frame'; index: number; width: number; height: number }
  | { type: 'page'; contentType: 'image/png'; width: number; height: number }
  | { type: 'video'; contentType: string; frames: number; fps: number }
  | { type: 'completed'; timings: StoryJobTimings }
  | { type: 'failed'; code: string; message: string }
  | { type: 'cancelled' };

/** Answer of the cancel call. */
export interface StoryCancelResponse {
  jobId: string;
  /** Whether a queued or running job was told to stop (false: unknown or already over). */
  cancelled: boolean;
}
