/**
 * Calls the gpu-service's story jobs (shared/src/story-wire.ts): starts a job and reads its
 * event stream, or cancels it. Calls are signed with HMAC when a secret is configured.
 */
import { type ErrorCode, PixloomError } from '../../../shared/src/errors';
import { encodeFrame, type Frame, FRAME_CONTENT_TYPE } from '../../../shared/src/frame';
import { signRequest } from '../../../shared/src/signing';
import {
  storyCancelPath, STORY_JOBS_PATH, type StoryJobRequest, type StoryStreamMeta,
} from '../../../shared/src/story-wire';
import type { ServiceError } from '../../../shared/src/wire';
import { readFrames } from '../pixel/frame-reader';

/** gpu-service codes a story client can act on, passed on with their message. */
const CLIENT_CODES: ReadonlySet<string> = new Set<ErrorCode>([
  'BAD_REQUEST', 'BUSY', 'UNAVAILABLE', 'TIMEOUT',
]);

export class StoryGpuClient {
  constructor(private readonly baseUrl: string, private readonly secret: string | null) {}

  private async post(path: string, body: Uint8Array, signal?: AbortSignal): Promise<Response> {
    const headers: Record<string, string> = { 'content-type': FRAME_CONTENT_TYPE };
    if (this.secret) Object.assign(headers, await signRequest(this.secret, 'POST', path, body));
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, { method: 'POST', headers, body, signal });
    } catch (cause) {
      if (signal?.aborted) throw cause;
      throw new PixloomError('UNAVAILABLE', `The gpu-service at ${this.baseUrl} is not `
        + 'answering; start it (npm start does) or point GPU_SERVICE_URL at it, then retry.',
      { cause });
    }
    if (response.ok) return response;
    let error: ServiceError['error'] | undefined;
    try {
      error = ((await response.json()) as ServiceError).error;
    } catch {
      error = undefined;
    }
    const retry = response.headers.get('retry-after');
    if (error && CLIENT_CODES.has(error.code)) {
      const hint = retry ? ` (Retry-After: ${retry} s)` : '';
      throw new PixloomError(error.code as ErrorCode, `${error.message}${hint}`);
    }
    throw new PixloomError('UNAVAILABLE', `The gpu-service refused the story job (HTTP `
      + `${response.status}${error ? `, ${error.code}` : ''}); retry later.`);
  }

  /** Starts a job; yields its frames as they arrive. */
  async* start(request: StoryJobRequest, signal?: AbortSignal):
  AsyncGenerator<Frame<StoryStreamMeta>> {
    const response = await this.post(STORY_JOBS_PATH, encodeFrame(request), signal);
    if (!response.body) throw new Error('gpu-service story response has no body');
    yield* readFrames<StoryStreamMeta>(response.body);
  }

  /** Asks the gpu-service to stop a job; false when it was not queued or running there. */
  async cancel(jobId: string): Promise<boolean> {
    const response = await this.post(storyCancelPath(jobId), encodeFrame({ jobId }));
    return ((await response.json()) as { cancelled: boolean }).cancelled;
  }
}
