/** JSON responses and the one place where errors become HTTP responses. */
import type { ServerResponse } from 'node:http';
import { isPixloomError, PixloomError } from '../../../shared/src/errors.js';
import { FrameError } from '../../../shared/src/frame.js';
import type { Logger } from '../../../shared/src/logger.js';
import { retryAfterOf } from '../../../shared/src/retry-after.js';

/** Sends `body` as JSON with `status`. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const bytes = Buffer.from(JSON.stringify(body));
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': bytes.length,
    'cache-control': 'no-store',
  });
  res.end(bytes);
}

/**
 * Turns any thrown value into a {@link PixloomError}: user errors keep their code and message,
 * malformed frames become `BAD_REQUEST`, everything else becomes `INTERNAL` with a message that
 * names only the request id (the cause is logged, never sent).
 */
export function toServiceError(error: unknown, requestId: string): PixloomError {
  if (isPixloomError(error)) return error;
  if (error instanceof FrameError) {
    return new PixloomError('BAD_REQUEST', `The request body cannot be read (${error.message}); `
      + 'build it with encodeFrame from shared/src/frame.ts.');
  }
  return new PixloomError('INTERNAL', `The gpu-service failed on this call (request id `
    + `${requestId}); retry it, and report the request id if it fails again.`);
}

/**
 * Sends `{ error: { code, message } }` with the code's status, logging unexpected errors at
 * error level with their stack and user errors at info.
 */
export function sendError(
  res: ServerResponse,
  error: unknown,
  requestId: string,
  logger: Logger,
): void {
  const serviceError = toServiceError(error, requestId);
  if (serviceError.code === 'INTERNAL') logger.error('call failed', { error });
  else logger.info('call refused', { code: serviceError.code, message: serviceError.message });

  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (serviceError.status === 413) res.setHeader('connection', 'close');
  const retryAfter = retryAfterOf(serviceError);
  if (retryAfter !== null) res.setHeader('retry-after', String(retryAfter));
  sendJson(res, serviceError.status, serviceError.toJSON());
}
