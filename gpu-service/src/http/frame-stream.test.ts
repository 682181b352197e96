import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeFrame, FrameError, tensor } from '../../../shared/src/frame.js';
import { lengthPrefixed, readFrameStream } from './frame-stream.js';

async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.slice(i, i + size);
}

async function collect(stream: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const frames: Uint8Array[] = [];
  for await (const frame of stream) frames.push(frame);
  return frames;
}

describe('frame streams', () => {
  const frames = [
    encodeFrame({ type: 'token', text: 'the' }),
    encodeFrame({ type: 'token', text: 'red circle' }),
    encodeFrame({ type: 'result', answer: 'the red circle' },
      [tensor('seg_hidden', Float32Array.from([1.5, -2, 3.25, 0]), [1, 2, 2])]),
  ];
  const stream = new Uint8Array(frames.reduce((n, f) => n + 4 + f.length, 0));
  let at = 0;
  for (const f of frames) {
    stream.set(lengthPrefixed(f), at);
    at += 4 + f.length;
  }

  it('prefixes each frame with its length as a little-endian u32', () => {
    const prefixed = lengthPrefixed(frames[0]);
    expect(new DataView(prefixed.buffer).getUint32(0, true)).toBe(frames[0].length);
    expect(prefixed.subarray(4)).toEqual(frames[0]);
  });

  it('splits a stream into its frames however the bytes are chunked', async () => {
    for (const size of [1, 3, 7, 64, stream.length]) {
      const got = await collect(readFrameStream(chunked(stream, size)));
      expect(got).toEqual(frames);
    }
    const last = decodeFrame(frames[2]);
    expect(last.meta).toEqual({ type: 'result', answer: 'the red circle' });
    expect(Array.from(last.tensors.seg_hidden.data as Float32Array)).toEqual([1.5, -2, 3.25, 0]);
  });

  it('fails when the stream ends inside a frame', async () => {
    await expect(collect(readFrameStream(chunked(stream.slice(0, stream.length - 2), 5))))
      .rejects.toThrow(FrameError);
  });
});
