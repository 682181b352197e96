import { describe, expect, it } from 'vitest';
import { readConfig, type Env } from './env';

const bindings = {} as Pick<Env, 'MODELS' | 'BLOBS' | 'ANSWERS' | 'STORY_JOBS'>;

describe('readConfig', () => {
  it('has defaults for every setting', () => {
    expect(readConfig({ ...bindings })).toEqual({
      gpuServiceUrl: 'http://127.0.0.1:8790',
      gpuServiceSecret: null,
      pixelBundle: 'pixel-ref',
      imageLimits: { maxBytes: 10 * 1024 * 1024, maxPixels: 4096 * 4096 },
      maxQuestionLength: 500,
      logLevel: 'info',
      testRoutes: false,
    });
  });

  it('reads vars and refuses malformed numbers', () => {
    const config = readConfig({ ...bindings, GPU_SERVICE_URL: 'http://10.0.0.2:9000/',
      MAX_IMAGE_BYTES: '1024', GPU_SERVICE_SECRET: ' s3cret ', PIXLOOM_TEST_ROUTES: '1',
      LOG_LEVEL: 'debug' });
    expect(config.gpuServiceUrl).toBe('http://10.0.0.2:9000');
    expect(config.imageLimits.maxBytes).toBe(1024);
    expect(config.gpuServiceSecret).toBe('s3cret');
    expect(config.testRoutes).toBe(true);
    expect(config.logLevel).toBe('debug');
    expect(() => readConfig({ ...bindings, MAX_IMAGE_PIXELS: '-3' }))
      .toThrow(/MAX_IMAGE_PIXELS must be a positive integer/);
  });
});
