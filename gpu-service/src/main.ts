/**
 * Starts the gpu-service: `node --import tsx gpu-service/src/main.ts` (configuration from the
 * environment, see config.ts). It refuses to start, with a message saying what to fix, when the
 * configuration is unusable, the port is taken, or a bundle is missing or corrupt.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createLogger, type Logger } from '../../shared/src/logger.js';
import { ConfigError, type GpuServiceConfig, loadConfig } from './config.js';
import { KServeExecutor } from './executor/kserve-executor.js';
import { KServeRoutes } from './http/kserve-routes.js';
import { PixelPipeline } from './pixel/pipeline.js';
import { GpuServer } from './server.js';
import { loadStoryRoutes, storyBundleDir } from './story-service/load.js';

/** A reason the service cannot start, worded for whoever runs it. */
export class StartupError extends Error {
  override name = 'StartupError';
}

export interface RunningGpuService {
  /** Base URL, e.g. `http://127.0.0.1:8790`. */
  url: string;
  server: GpuServer;
  close(): Promise<void>;
}

function checkBundleFolder(config: GpuServiceConfig): string {
  const dir = resolve(config.modelsDir, config.pixelBundle);
  if (!existsSync(join(dir, 'manifest.json'))) {
    throw new StartupError(`The pixel bundle is missing: ${join(dir, 'manifest.json')} does not `
      + 'exist. Set PIXLOOM_MODELS_DIR to the folder that holds the bundle folders and '
      + `PIXLOOM_PIXEL_BUNDLE to the bundle's folder name (now "${config.pixelBundle}"), or `
      + 'export the reference bundle again (see the README).');
  }
  return dir;
}

/**
 * Listens, then loads the bundles (sha256 of every graph checked against its manifest) and
 * resolves once the service is ready. `GET /v2/health/ready` answers 503 until then.
 *
 * @throws StartupError when the port is taken or a bundle is missing, corrupt, or needs an
 *   execution provider that did not load
 */
export async function startGpuService(
  config: GpuServiceConfig,
  logger: Logger,
): Promise<RunningGpuService> {
  const withPixel = config.pixelBundle !== 'none';
  const dir = withPixel ? checkBundleFolder(config) : '';
  const storyDir = storyBundleDir(config);
  const server = new GpuServer(config, logger);
  server.expects = { pixel: withPixel, story: storyDir !== null };
  let url: string;
  try {
    url = await server.listen();
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new StartupError(code === 'EADDRINUSE'
      ? `Port ${config.port} on ${config.host} is in use; stop what listens there or set `
        + 'PIXLOOM_GPU_PORT to a free port.'
      : `Cannot listen on ${config.host}:${config.port}: ${(error as Error).message}`);
  }
  logger.info('listening', { url, executionProvider: config.executionProvider });

  if (storyDir !== null) {
    try {
      server.story = await loadStoryRoutes(storyDir, config, logger);
    } catch (error) {
      await server.close();
      throw new StartupError(`The story bundle in ${storyDir} cannot be loaded: `
        + `${(error as Error).message}`);
    }
  }
  if (!withPixel) return { url, server, close: () => server.close() };

  let pixel: PixelPipeline;
  const loadStarted = Date.now();
  const remote = config.executor === 'kserve' && config.kserveUrl
    ? new KServeExecutor(config.kserveUrl, { secret: config.secret }) : undefined;
  try {
    pixel = await PixelPipeline.load(dir, {
      executionProvider: config.executionProvider, logger, executor: remote,
      ...(config.intraOpThreads > 0 ? { intraOpNumThreads: config.intraOpThreads } : {}),
      batching: config.batching.maxBatch > 1 ? config.batching : null,
    });
    await remote?.check(pixel.manifest);
  } catch (error) {
    await server.close();
    throw new StartupError(`The pixel bundle in ${dir} cannot be loaded: `
      + `${(error as Error).message}`);
  }
  server.pixel = pixel;
  if (config.serveModels) {
    server.kserve = new KServeRoutes({ manifest: pixel.manifest, executor: pixel.executor });
  }
  const { name, version } = pixel.manifest;
  logger.info('ready', { bundle: name, version, loadMs: Date.now() - loadStarted });
  const close = async () => {
    await server.close();
    await pixel.release();
  };
  return { url, server, close };
}

async function main(): Promise<void> {
  let config: GpuServiceConfig;
  const bootLogger = createLogger({ fields: { service: 'gpu-service' } });
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    bootLogger.error('gpu-service cannot start', { reason: error.message });
    process.exit(2);
  }
  const logger = createLogger({ level: config.logLevel, fields: { service: 'gpu-service' } });
  if (!config.secret) {
    logger.warn('PIXLOOM_GPU_SECRET is not set: calls are not authenticated; set it (the same '
      + 'value as the edge) anywhere but on a developer machine');
  }

  let service: RunningGpuService;
  try {
    service = await startGpuService(config, logger);
  } catch (error) {
    const reason = error instanceof StartupError ? error.message : String(error);
    logger.error('gpu-service cannot start', { reason });
    process.exit(1);
  }

  const stop = (signal: string) => {
    logger.info('stopping', { signal });
    const forced = setTimeout(() => process.exit(1), 10_000);
    forced.unref();
    void service.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  void main();
}
