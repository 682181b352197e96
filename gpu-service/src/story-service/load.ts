/** Finding and loading the story bundle at start-up. */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Logger } from '../../../shared/src/logger.js';
import type { GpuServiceConfig } from '../config.js';
import { StoryPipeline } from '../story/pipeline.js';
import { StoryRoutes } from './story-routes.js';

/** The story bundle's folder when it has a manifest, else null (no story routes). */
export function storyBundleDir(config: GpuServiceConfig): string | null {
  const dir = resolve(config.modelsDir, config.storyBundle);
  return existsSync(join(dir, 'manifest.json')) ? dir : null;
}

/** Loads the story pipeline (graph hashes checked) and the routes that serve it. */
export async function loadStoryRoutes(
  dir: string,
  config: GpuServiceConfig,
  logger: Logger,
): Promise<StoryRoutes> {
  const started = Date.now();
  const pipeline = await StoryPipeline.load(dir, {
    executionProvider: config.executionProvider, logger: logger.child({ pipeline: 'story' }),
  });
  logger.info('story bundle ready', {
    version: pipeline.version, loadMs: Date.now() - started,
  });
  return new StoryRoutes(pipeline, {
    maxWaiting: config.storyMaxQueue, timeoutMs: config.storyTimeoutMs, name: config.storyBundle,
  });
}
