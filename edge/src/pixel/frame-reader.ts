/**
 * Reads a stream of length-prefixed tensor frames (u32 little-endian byte length, then the
 * frame), as the gpu-service sends with `stream: true`.
 */
import { decodeFrame, FrameError, type Frame } from '../../../shared/src/frame';

/** Largest single frame accepted from the stream (256 MiB). */
const MAX_FRAME_BYTES = 256 * 1024 * 1024;

/** Yields each frame as soon as its last byte has arrived. */
export async function* readFrames<M>(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<Frame<M>> {
  const reader = body.getReader();
  let buffer = new Uint8Array(0);
  let start = 0;
  let finished = false;
  try {
    for (;;) {
      // Emit every complete frame already buffered.
      for (;;) {
        const available = buffer.length - start;
        if (available < 4) break;
        const view = new DataView(buffer.buffer, buffer.byteOffset + start, 4);
        const length = view.getUint32(0, true);
        if (length > MAX_FRAME_BYTES) throw new FrameError(`stream frame of ${length} bytes`);
        if (available < 4 + length) break;
        yield decodeFrame<M>(buffer.subarray(start + 4, start + 4 + length));
        start += 4 + length;
      }
      const { done, value } = await reader.read();
      if (done) {
        finished = true;
        break;
      }
      const rest = buffer.subarray(start);
      const next = new Uint8Array(rest.length + value.length);
      next.set(rest);
      next.set(value, rest.length);
      buffer = next;
      start = 0;
    }
    if (buffer.length - start !== 0) {
      throw new FrameError(`frame stream ended inside a frame (${buffer.length - start} bytes)`);
    }
  } finally {
    // A consumer that stops early (the client went away) cancels the stream, so the sender
    // sees the connection close and can stop its work.
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

/** Encodes frames as a length-prefixed stream body (the inverse of {@link readFrames}). */
export function lengthPrefixed(frames: Uint8Array[]): Uint8Array {
  const total = frames.reduce((n, f) => n + 4 + f.length, 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const frame of frames) {
    view.setUint32(at, frame.length, true);
    out.set(frame, at + 4);
    at += 4 + frame.length;
  }
  return out;
}
