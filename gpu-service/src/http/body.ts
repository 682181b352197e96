/** Reads a request body into memory, refusing it once it passes a byte limit. */
import type { IncomingMessage } from 'node:http';
import { PixloomError } from '../../../shared/src/errors.js';

function tooLarge(limit: number): PixloomError {
  return new PixloomError('PAYLOAD_TOO_LARGE', `The request body is larger than ${limit} bytes; `
    + 'send a smaller image (see PIXLOOM_MAX_IMAGE_BYTES) or raise PIXLOOM_MAX_BODY_BYTES.');
}

/**
 * Collects the body of `req`. Past the limit the rest of the body is drained unread, so the
 * socket stays usable for the error response (send it with `connection: close`).
 *
 * @throws PixloomError `PAYLOAD_TOO_LARGE` as soon as the declared or received length passes
 *   `limit`, `BAD_REQUEST` if the client goes away before the body ends
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (declared > limit) {
      req.resume();
      reject(tooLarge(limit));
      return;
    }

    const chunks: Buffer[] = [];
    let length = 0;
    let settled = false;
    const onData = (chunk: Buffer) => {
      length += chunk.length;
      if (length <= limit) {
        chunks.push(chunk);
        return;
      }
      settled = true;
      chunks.length = 0;
      req.off('data', onData);
      req.resume();
      reject(tooLarge(limit));
    };
    req.on('data', onData);
    req.once('end', () => {
      if (settled) return;
      settled = true;
      const body = Buffer.concat(chunks, length);
      resolve(new Uint8Array(body.buffer, body.byteOffset, body.byteLength));
    });
    req.once('close', () => {
      if (settled) return;
      settled = true;
      reject(new PixloomError('BAD_REQUEST', 'The request body ended early; send it again.'));
    });
  });
}
