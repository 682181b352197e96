/**
 * Frame streams: each frame preceded by its byte length as a little-endian u32 (see wire.ts).
 * The writer is what the streaming pixel endpoint sends; the reader is what a client uses.
 */
import type { ServerResponse } from 'node:http';
import { encodeFrame, FrameError, type FrameTensor } from '../../../shared/src/frame.js';

/** Content type of a streamed response. */
export const FRAME_STREAM_CONTENT_TYPE = 'application/x-pixloom-frame-stream';

/** Prefixes one encoded frame with its length. */
export function lengthPrefixed(frame: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + frame.byteLength);
  new DataView(out.buffer).setUint32(0, frame.byteLength, true);
  out.set(frame, 4);
  return out;
}

/**
 * Splits a byte stream into frames as their bytes arrive.
 *
 * @throws FrameError when the stream ends inside a frame
 */
export async function* readFrameStream(
  chunks: AsyncIterable<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  let pending = new Uint8Array(0);
  for await (const chunk of chunks) {
    const joined = new Uint8Array(pending.length + chunk.length);
    joined.set(pending);
    joined.set(chunk, pending.length);
    let at = 0;
    while (joined.length - at >= 4) {
      const length = new DataView(joined.buffer, at, 4).getUint32(0, true);
      if (joined.length - at - 4 < length) break;
      yield joined.slice(at + 4, at + 4 + length);
      at += 4 + length;
    }
    pending = joined.slice(at);
  }
  if (pending.length > 0) {
    throw new FrameError(`frame stream ended inside a frame (${pending.length} bytes left)`);
  }
}

/**
 * Writes a streamed response: headers with the first frame, one length-prefixed frame per
 * call. Once the client has gone away, writes are dropped and {@link clientGone} is true.
 */
export class FrameStreamWriter {
  started = false;
  clientGone = false;

  constructor(private readonly res: ServerResponse, private readonly requestId: string) {
    res.once('close', () => {
      if (!res.writableFinished) this.clientGone = true;
    });
  }

  /** Sends one frame. */
  write<M>(meta: M, tensors: FrameTensor[] = []): void {
    if (this.clientGone) return;
    if (!this.started) {
      this.res.writeHead(200, {
        'content-type': FRAME_STREAM_CONTENT_TYPE,
        'cache-control': 'no-store',
        'x-request-id': this.requestId,
      });
      this.started = true;
    }
    this.res.write(lengthPrefixed(encodeFrame(meta, tensors)));
  }

  /** Sends the last frame and ends the response. */
  end<M>(meta: M, tensors: FrameTensor[] = []): void {
    this.write(meta, tensors);
    if (!this.clientGone) this.res.end();
  }
}
