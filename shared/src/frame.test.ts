import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeFrame, FrameError, tensor } from './frame';

describe('tensor frames', () => {
  it('round-trips meta and tensors of every dtype', () => {
    const f32 = new Float32Array([1.5, -2.25, 3e-8]);
    const i64 = new BigInt64Array([1n, -2n]);
    const u8 = new Uint8Array([7, 8, 9, 10, 11]);
    const bytes = encodeFrame({ question: 'où est le chat?' }, [
      tensor('a', f32, [3]),
      tensor('ids', i64, [1, 2]),
      tensor('raw', u8, [5]),
    ]);
    const frame = decodeFrame<{ question: string }>(bytes);
    expect(frame.meta.question).toBe('où est le chat?');
    expect(Array.from(frame.tensors.a.data as Float32Array)).toEqual(Array.from(f32));
    expect(frame.tensors.ids.dims).toEqual([1, 2]);
    expect(Array.from(frame.tensors.ids.data as BigInt64Array)).toEqual([1n, -2n]);
    expect(Array.from(frame.tensors.raw.data as Uint8Array)).toEqual([7, 8, 9, 10, 11]);
  });

  it('rejects bad magic, truncation and dims that do not match the data', () => {
    expect(() => decodeFrame(new Uint8Array(12))).toThrow(FrameError);
    const bytes = encodeFrame({}, [tensor('a', new Float32Array(4), [4])]);
    expect(() => decodeFrame(bytes.subarray(0, bytes.length - 4))).toThrow(/out of range/);
    expect(() => tensor('b', new Float32Array(3), [2, 2])).toThrow(/hold 4 values/);
  });
});
