import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_MODELS_DIR, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('defaults to the shipped bundles on the CPU at 127.0.0.1:8790', () => {
    expect(loadConfig({})).toEqual({
      host: '127.0.0.1',
      port: 8790,
      modelsDir: DEFAULT_MODELS_DIR,
      pixelBundle: 'pixel-ref',
      storyBundle: 'story-ref',
      storyMaxQueue: 4,
      storyTimeoutMs: 600_000,
      executionProvider: 'cpu',
      maxBodyBytes: 16 * 1024 * 1024,
      imageLimits: { maxBytes: 10 * 1024 * 1024, maxPixels: 4096 * 4096 },
      maxQuestionChars: 1000,
      maxQueue: 32,
      pixelConcurrency: 8,
      intraOpThreads: 0,
      batching: { maxBatch: 8, maxQueueDelayMs: 2 },
      executor: 'local',
      kserveUrl: null,
      serveModels: false,
      secret: null,
      logLevel: 'info',
    });
    expect(DEFAULT_MODELS_DIR).toMatch(/gpu-service\/models$/);
  });

  it('reads every variable', () => {
    const config = loadConfig({
      PIXLOOM_GPU_HOST: '0.0.0.0', PIXLOOM_GPU_PORT: '8813', PIXLOOM_MODELS_DIR: '/m',
      PIXLOOM_PIXEL_BUNDLE: 'pixel-ref-lisa', PIXLOOM_EXECUTION_PROVIDER: 'CUDA',
      PIXLOOM_MAX_BODY_BYTES: '3000000', PIXLOOM_MAX_IMAGE_BYTES: '2000000',
      PIXLOOM_MAX_IMAGE_PIXELS: '1000000', PIXLOOM_MAX_QUESTION_CHARS: '200',
      PIXLOOM_MAX_QUEUE: '0', PIXLOOM_GPU_SECRET: ' 0123456789abcdef0123 ',
      PIXLOOM_LOG_LEVEL: 'debug', PIXLOOM_STORY_BUNDLE: 'story-x',
      PIXLOOM_STORY_MAX_QUEUE: '1', PIXLOOM_STORY_TIMEOUT_MS: '5000',
      PIXLOOM_PIXEL_CONCURRENCY: '3', PIXLOOM_MAX_BATCH: '16', PIXLOOM_MAX_QUEUE_DELAY_MS: '0',
      PIXLOOM_EXECUTOR: 'KServe', PIXLOOM_KSERVE_URL: 'http://127.0.0.1:8000',
      PIXLOOM_SERVE_MODELS: '1', PIXLOOM_INTRA_OP_THREADS: '1',
    });
    expect(config).toEqual({
      host: '0.0.0.0', port: 8813, modelsDir: '/m', pixelBundle: 'pixel-ref-lisa',
      executionProvider: 'cuda', maxBodyBytes: 3_000_000,
      imageLimits: { maxBytes: 2_000_000, maxPixels: 1_000_000 }, maxQuestionChars: 200,
      maxQueue: 0, secret: '0123456789abcdef0123', logLevel: 'debug',
      storyBundle: 'story-x', storyMaxQueue: 1, storyTimeoutMs: 5000,
      pixelConcurrency: 3, intraOpThreads: 1, batching: { maxBatch: 16, maxQueueDelayMs: 0 },
      executor: 'kserve', kserveUrl: 'http://127.0.0.1:8000', serveModels: true,
    });
  });

  it('names the variable and what it accepts when a value is unusable', () => {
    expect(() => loadConfig({ PIXLOOM_GPU_PORT: '80a' })).toThrow(new ConfigError(
      'PIXLOOM_GPU_PORT=80a is not usable: set it to an integer from 0 to 65535, or unset it '
      + 'for the default 8790.'));
    expect(() => loadConfig({ PIXLOOM_EXECUTION_PROVIDER: 'tpu' }))
      .toThrow('PIXLOOM_EXECUTION_PROVIDER=tpu is not usable: set it to "cpu" or "cuda".');
    expect(() => loadConfig({ PIXLOOM_LOG_LEVEL: 'loud' })).toThrow(/one of debug, info, warn/);
    expect(() => loadConfig({ PIXLOOM_PIXEL_BUNDLE: '../etc' })).toThrow(/name of a bundle/);
    expect(() => loadConfig({ PIXLOOM_GPU_SECRET: 'short' })).toThrow(/at least 16 characters/);
    expect(() => loadConfig({ PIXLOOM_MAX_BODY_BYTES: '5000', PIXLOOM_MAX_IMAGE_BYTES: '9000' }))
      .toThrow(/must be larger than PIXLOOM_MAX_IMAGE_BYTES/);
    expect(() => loadConfig({ PIXLOOM_EXECUTOR: 'kserve' })).toThrow(/needs PIXLOOM_KSERVE_URL/);
    expect(() => loadConfig({ PIXLOOM_EXECUTOR: 'triton' })).toThrow(/"local" or "kserve"/);
    expect(() => loadConfig({ PIXLOOM_KSERVE_URL: 'localhost:8000' })).toThrow(/base URL/);
    expect(() => loadConfig({ PIXLOOM_PIXEL_CONCURRENCY: '0' })).toThrow(/from 1 to 1024/);
  });
});
