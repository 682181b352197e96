/** The story routes of the gpu-service: start a job (streamed), cancel a job. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PixloomError } from '../../../shared/src/errors.js';
import type { Logger } from '../../../shared/src/logger.js';
import { STORY_JOB_ID, STORY_JOBS_PATH } from '../../../shared/src/story-wire.js';
import type { StoryPipeline } from '../story/pipeline.js';
import { StoryJobQueue } from './job-queue.js';
import { handleStoryCancel, handleStoryJob } from './story-jobs.js';

const CANCEL = new RegExp(`^${STORY_JOBS_PATH}/([^/]+)/cancel$`);

/** Whether `path` belongs to the story routes. */
export function routeStory(path: string): boolean {
  return path === STORY_JOBS_PATH || path.startsWith(`${STORY_JOBS_PATH}/`);
}

export class StoryRoutes {
  readonly queue: StoryJobQueue;
  readonly manifest: { name: string; kind: string; version: string };

  constructor(
    readonly pipeline: StoryPipeline,
    options: { maxWaiting: number; timeoutMs: number; name: string },
  ) {
    this.queue = new StoryJobQueue(options);
    this.manifest = { name: options.name, kind: 'story', version: pipeline.version };
  }

  /**
   * Serves one story call; `body` reads and authenticates the request body.
   *
   * @throws PixloomError for a wrong path or method, or a refused job (before any streaming)
   */
  async handle(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    body: () => Promise<Uint8Array>,
    requestId: string,
    logger: Logger,
  ): Promise<void> {
    const cancel = CANCEL.exec(path);
    if (path !== STORY_JOBS_PATH && !cancel) {
      throw new PixloomError('NOT_FOUND', `No route ${req.method} ${path}; story jobs are `
        + `started with POST ${STORY_JOBS_PATH} and cancelled with POST `
        + `${STORY_JOBS_PATH}/<job id>/cancel.`);
    }
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      throw new PixloomError('METHOD_NOT_ALLOWED', `${path} takes POST, not ${req.method}.`);
    }
    const bytes = await body();
    if (!cancel) {
      await handleStoryJob({ pipeline: this.pipeline, queue: this.queue }, bytes, res, requestId,
        logger.child({ route: 'story' }));
      return;
    }
    const jobId = decodeURIComponent(cancel[1]);
    if (!STORY_JOB_ID.test(jobId)) {
      throw new PixloomError('BAD_REQUEST', 'The job id in the path is malformed; use the id '
        + 'the job was started with.');
    }
    handleStoryCancel(this.queue, jobId, res);
  }
}
