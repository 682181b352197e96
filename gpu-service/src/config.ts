/**
 * gpu-service configuration, read from the environment with defaults that run the shipped
 * reference bundles on the CPU at 127.0.0.1:8790.
 */
import { fileURLToPath } from 'node:url';
import { DEFAULT_IMAGE_LIMITS, type ImageLimits } from '../../shared/src/image.js';
import { isLogLevel, LOG_LEVELS, type LogLevel } from '../../shared/src/logger.js';

export type ExecutionProvider = 'cpu' | 'cuda';

/** Where the pixel pipeline's graphs run: local sessions, or a KServe v2 server. */
export type ExecutorKind = 'local' | 'kserve';

export interface BatchingConfig {
  /** `PIXLOOM_MAX_BATCH`: most rows in one merged graph run; 1 turns batching off. @default 8 */
  maxBatch: number;
  /** `PIXLOOM_MAX_QUEUE_DELAY_MS`: longest a graph call waits for its batch. @default 2 */
  maxQueueDelayMs: number;
}

export interface GpuServiceConfig {
  /** `PIXLOOM_GPU_HOST`. @default '127.0.0.1' */
  host: string;
  /** `PIXLOOM_GPU_PORT`; 0 picks a free port. @default 8790 */
  port: number;
  /** `PIXLOOM_MODELS_DIR`: the folder holding one folder per bundle. @default gpu-service/models */
  modelsDir: string;
  /**
   * `PIXLOOM_PIXEL_BUNDLE`: the pixel bundle's folder name in `modelsDir`; `none` serves no pixel
   * pipeline. @default 'pixel-ref'
   */
  pixelBundle: string;
  /**
   * `PIXLOOM_STORY_BUNDLE`: the story bundle's folder name in `modelsDir`, loaded when it has a
   * manifest. @default 'story-ref'
   */
  storyBundle: string;
  /** `PIXLOOM_STORY_MAX_QUEUE`: story jobs waiting beyond this are refused (BUSY). @default 4 */
  storyMaxQueue: number;
  /** `PIXLOOM_STORY_TIMEOUT_MS`: a running story job is stopped after this. @default 10 min */
  storyTimeoutMs: number;
  /** `PIXLOOM_EXECUTION_PROVIDER`: `cuda` fails at start if CUDA does not load. @default 'cpu' */
  executionProvider: ExecutionProvider;
  /** `PIXLOOM_MAX_BODY_BYTES`: largest request body. @default 16 MiB */
  maxBodyBytes: number;
  /** `PIXLOOM_MAX_IMAGE_BYTES`, `PIXLOOM_MAX_IMAGE_PIXELS`. @default 10 MiB, 4096 × 4096 */
  imageLimits: ImageLimits;
  /** `PIXLOOM_MAX_QUESTION_CHARS`. @default 1000 */
  maxQuestionChars: number;
  /** `PIXLOOM_MAX_QUEUE`: pipeline calls waiting beyond this are refused (503). @default 32 */
  maxQueue: number;
  /** `PIXLOOM_PIXEL_CONCURRENCY`: pixel calls that run at once. @default 8 */
  pixelConcurrency: number;
  /**
   * `PIXLOOM_INTRA_OP_THREADS`: threads per onnxruntime session on the CPU provider; 0 leaves
   * it to onnxruntime (one per core). @default 0
   */
  intraOpThreads: number;
  /** Dynamic batching of the local graphs (image encoder, LM step). */
  batching: BatchingConfig;
  /**
   * `PIXLOOM_EXECUTOR`: `local` runs the graphs here; `kserve` runs them on the KServe v2 server
   * at `PIXLOOM_KSERVE_URL` (the bundle folder then needs only its manifest and vocabulary).
   * @default 'local'
   */
  executor: ExecutorKind;
  /** `PIXLOOM_KSERVE_URL`: the KServe v2 server's base URL, for `PIXLOOM_EXECUTOR=kserve`. */
  kserveUrl: string | null;
  /**
   * `PIXLOOM_SERVE_MODELS=1`: also serve the pixel bundle's graphs over KServe v2
   * (`/v2/models/...`). @default false
   */
  serveModels: boolean;
  /**
   * `PIXLOOM_GPU_SECRET`: the HMAC secret shared with the edge. When set, unsigned, stale and
   * replayed calls are refused; when unset, calls are not authenticated (local use only).
   */
  secret: string | null;
  /** `PIXLOOM_LOG_LEVEL`. @default 'info' */
  logLevel: LogLevel;
}

/** A setting that cannot be used; the message names the variable and what it accepts. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export const DEFAULT_MODELS_DIR = fileURLToPath(new URL('../models', import.meta.url));

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name}=${raw} is not usable: set it to an integer from ${min} `
      + `to ${max}, or unset it for the default ${fallback}.`);
  }
  return value;
}

function text(env: Env, name: string, fallback: string): string {
  const raw = env[name]?.trim();
  return raw === undefined || raw === '' ? fallback : raw;
}

/**
 * Reads the configuration from `env`.
 *
 * @throws ConfigError naming the variable and the values it accepts
 */
export function loadConfig(env: Env = process.env): GpuServiceConfig {
  const executionProvider = text(env, 'PIXLOOM_EXECUTION_PROVIDER', 'cpu').toLowerCase();
  if (executionProvider !== 'cpu' && executionProvider !== 'cuda') {
    throw new ConfigError(`PIXLOOM_EXECUTION_PROVIDER=${env.PIXLOOM_EXECUTION_PROVIDER} is not `
      + 'usable: set it to "cpu" or "cuda".');
  }
  const logLevel = text(env, 'PIXLOOM_LOG_LEVEL', 'info').toLowerCase();
  if (!isLogLevel(logLevel)) {
    throw new ConfigError(`PIXLOOM_LOG_LEVEL=${env.PIXLOOM_LOG_LEVEL} is not usable: set it to `
      + `one of ${LOG_LEVELS.join(', ')}.`);
  }
  const pixelBundle = text(env, 'PIXLOOM_PIXEL_BUNDLE', 'pixel-ref');
  const storyBundle = text(env, 'PIXLOOM_STORY_BUNDLE', 'story-ref');
  for (const [name, value] of [['PIXEL', pixelBundle], ['STORY', storyBundle]]) {
    if (!/^[A-Za-z0-9._-]+$/.test(value) || value.startsWith('.')) {
      throw new ConfigError(`PIXLOOM_${name}_BUNDLE=${value} is not usable: set it to the `
        + 'name of a bundle folder inside PIXLOOM_MODELS_DIR, such as '
        + `"${name.toLowerCase()}-ref".`);
    }
  }

  const mib = 1024 * 1024;
  const imageLimits: ImageLimits = {
    maxBytes: integer(env, 'PIXLOOM_MAX_IMAGE_BYTES', DEFAULT_IMAGE_LIMITS.maxBytes, 1, 1024 * mib),
    maxPixels: integer(env, 'PIXLOOM_MAX_IMAGE_PIXELS', DEFAULT_IMAGE_LIMITS.maxPixels, 1, 2 ** 30),
  };
  const maxBodyBytes = integer(env, 'PIXLOOM_MAX_BODY_BYTES', 16 * mib, 1024, 2048 * mib);
  if (maxBodyBytes <= imageLimits.maxBytes) {
    throw new ConfigError(`PIXLOOM_MAX_BODY_BYTES (${maxBodyBytes}) must be larger than `
      + `PIXLOOM_MAX_IMAGE_BYTES (${imageLimits.maxBytes}): a request carries the image and `
      + 'a frame header.');
  }
  const executor = text(env, 'PIXLOOM_EXECUTOR', 'local').toLowerCase();
  if (executor !== 'local' && executor !== 'kserve') {
    throw new ConfigError(`PIXLOOM_EXECUTOR=${env.PIXLOOM_EXECUTOR} is not usable: set it to `
      + '"local" or "kserve".');
  }
  const kserveUrl = env.PIXLOOM_KSERVE_URL?.trim() || null;
  if (kserveUrl !== null && !/^https?:\/\/[^/\s]+/.test(kserveUrl)) {
    throw new ConfigError(`PIXLOOM_KSERVE_URL=${kserveUrl} is not usable: set it to the `
      + 'server\'s base URL, such as http://127.0.0.1:8000.');
  }
  if (executor === 'kserve' && kserveUrl === null) {
    throw new ConfigError('PIXLOOM_EXECUTOR=kserve needs PIXLOOM_KSERVE_URL: set it to the '
      + 'KServe v2 server\'s base URL, such as http://127.0.0.1:8000.');
  }
  const serveModels = text(env, 'PIXLOOM_SERVE_MODELS', '0').toLowerCase();
  if (!['0', '1', 'true', 'false'].includes(serveModels)) {
    throw new ConfigError(`PIXLOOM_SERVE_MODELS=${env.PIXLOOM_SERVE_MODELS} is not usable: set `
      + 'it to 1 or 0.');
  }
  const secret = env.PIXLOOM_GPU_SECRET?.trim() || null;
  if (secret !== null && secret.length < 16) {
    throw new ConfigError('PIXLOOM_GPU_SECRET is too short: use at least 16 characters (for '
      + 'example `openssl rand -hex 32`), the same value the edge signs with.');
  }

  return {
    host: text(env, 'PIXLOOM_GPU_HOST', '127.0.0.1'),
    port: integer(env, 'PIXLOOM_GPU_PORT', 8790, 0, 65535),
    modelsDir: text(env, 'PIXLOOM_MODELS_DIR', DEFAULT_MODELS_DIR),
    pixelBundle,
    storyBundle,
    storyMaxQueue: integer(env, 'PIXLOOM_STORY_MAX_QUEUE', 4, 0, 10_000),
    storyTimeoutMs: integer(env, 'PIXLOOM_STORY_TIMEOUT_MS', 600_000, 1000, 86_400_000),
    executionProvider,
    maxBodyBytes,
    imageLimits,
    maxQuestionChars: integer(env, 'PIXLOOM_MAX_QUESTION_CHARS', 1000, 1, 100_000),
    maxQueue: integer(env, 'PIXLOOM_MAX_QUEUE', 32, 0, 100_000),
    pixelConcurrency: integer(env, 'PIXLOOM_PIXEL_CONCURRENCY', 8, 1, 1024),
    intraOpThreads: integer(env, 'PIXLOOM_INTRA_OP_THREADS', 0, 0, 1024),
    batching: {
      maxBatch: integer(env, 'PIXLOOM_MAX_BATCH', 8, 1, 1024),
      maxQueueDelayMs: integer(env, 'PIXLOOM_MAX_QUEUE_DELAY_MS', 2, 0, 10_000),
    },
    executor,
    kserveUrl,
    serveModels: serveModels === '1' || serveModels === 'true',
    secret,
    logLevel,
  };
}
