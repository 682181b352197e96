import { describe, expect, it } from 'vitest';
import { encodeFrame, tensor } from '../../../shared/src/frame';
import { lengthPrefixed, readFrames } from './frame-reader';

function streamOf(bytes: Uint8Array, chunk: number): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) {
        controller.close();
        return;
      }
      controller.enqueue(bytes.slice(at, at + chunk));
      at += chunk;
    },
  });
}

async function collect(stream: ReadableStream<Uint8Array>) {
  const out = [];
  for await (const frame of readFrames<{ type: string; text?: string }>(stream)) out.push(frame);
  return out;
}

describe('readFrames', () => {
  const body = lengthPrefixed([
    encodeFrame({ type: 'token', text: 'two' }),
    encodeFrame({ type: 'token', text: 'squares' }),
    encodeFrame({ type: 'result' },
      [tensor('seg_hidden', new Float32Array([1, -2, 3.5]), [1, 1, 3])]),
  ]);

  it('yields every frame whatever the chunk boundaries', async () => {
    for (const chunk of [1, 3, 7, 64, body.length]) {
      const frames = await collect(streamOf(body, chunk));
      expect(frames.map((f) => f.meta.text ?? f.meta.type)).toEqual(['two', 'squares', 'result']);
      expect(Array.from(frames[2].tensors.seg_hidden.data as Float32Array)).toEqual([1, -2, 3.5]);
      expect(frames[2].tensors.seg_hidden.dims).toEqual([1, 1, 3]);
    }
  });

  it('fails when the stream stops inside a frame', async () => {
    await expect(collect(streamOf(body.subarray(0, body.length - 5), 16)))
      .rejects.toThrow(/ended inside a frame/);
  });

  it('cancels the stream when the consumer stops early', async () => {
    let cancelled = false;
    const source = streamOf(body, 8);
    const reader = source.getReader();
    const tracked = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      cancel() {
        cancelled = true;
      },
    });
    for await (const frame of readFrames<{ text?: string }>(tracked)) {
      expect(frame.meta.text).toBe('two');
      break;
    }
    expect(cancelled).toBe(true);
  });
});
