/** Bindings and settings of the edge Worker (see wrangler.toml), read into one config. */
import { DEFAULT_IMAGE_LIMITS, type ImageLimits } from '../../shared/src/image';
import { isLogLevel, type LogLevel } from '../../shared/src/logger';

export interface Env {
  /** Model bundles: `models/<bundle>/manifest.json`, `models/<bundle>/<version>/<file>`. */
  MODELS: R2Bucket;
  /** Uploaded images, cached image features and rendered PNG masks. */
  BLOBS: R2Bucket;
  /** Answers with their seg embeddings, as tensor frames. */
  ANSWERS: KVNamespace;
  /** One StoryJobHub Durable Object per story job (edge/src/story/job-hub.ts). */
  STORY_JOBS: DurableObjectNamespace;
  /** Base URL of the gpu-service. @default http://127.0.0.1:8790 */
  GPU_SERVICE_URL?: string;
  /** HMAC secret shared with the gpu-service (`PIXLOOM_GPU_SECRET` there); unsigned if unset. */
  GPU_SERVICE_SECRET?: string;
  /** Name of the story bundle in MODELS (its latent decoder makes frame previews). */
  STORY_BUNDLE?: string;
  /** Name of the pixel bundle in MODELS. @default pixel-ref */
  PIXEL_BUNDLE?: string;
  MAX_IMAGE_BYTES?: string;
  MAX_IMAGE_PIXELS?: string;
  MAX_QUESTION_LENGTH?: string;
  LOG_LEVEL?: string;
  /** "1" turns on the internal routes the edge tests use (`/__test/…`). Off by default. */
  PIXLOOM_TEST_ROUTES?: string;
}

export interface EdgeConfig {
  gpuServiceUrl: string;
  gpuServiceSecret: string | null;
  pixelBundle: string;
  imageLimits: ImageLimits;
  maxQuestionLength: number;
  logLevel: LogLevel;
  testRoutes: boolean;
}

export const DEFAULT_GPU_SERVICE_URL = 'http://127.0.0.1:8790';

function positiveInt(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) {
    throw new Error(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  }
  return value;
}

/** Reads the Worker's vars and secrets, with defaults; throws on a malformed value. */
export function readConfig(env: Env): EdgeConfig {
  const level = env.LOG_LEVEL?.trim();
  return {
    gpuServiceUrl: (env.GPU_SERVICE_URL?.trim() || DEFAULT_GPU_SERVICE_URL).replace(/\/+$/, ''),
    gpuServiceSecret: env.GPU_SERVICE_SECRET?.trim() || null,
    pixelBundle: env.PIXEL_BUNDLE?.trim() || 'pixel-ref',
    imageLimits: {
      maxBytes: positiveInt('MAX_IMAGE_BYTES', env.MAX_IMAGE_BYTES, DEFAULT_IMAGE_LIMITS.maxBytes),
      maxPixels: positiveInt('MAX_IMAGE_PIXELS', env.MAX_IMAGE_PIXELS,
        DEFAULT_IMAGE_LIMITS.maxPixels),
    },
    maxQuestionLength: positiveInt('MAX_QUESTION_LENGTH', env.MAX_QUESTION_LENGTH, 500),
    logLevel: isLogLevel(level) ? level : 'info',
    testRoutes: env.PIXLOOM_TEST_ROUTES === '1',
  };
}
