/**
 * Tensor framing: one message = a JSON header + raw tensor bytes, so tensors travel as binary
 * between the edge and the gpu-service (and into R2) instead of JSON number arrays.
 *
 * Layout (little-endian):
 *   bytes 0..3   magic "PXF1"
 *   bytes 4..7   u32 header length H
 *   bytes 8..8+H header JSON (UTF-8): { meta, tensors: [{ name, dtype, dims, offset, length }] }
 *   then         tensor bytes; `offset` counts from the end of the header, 8-byte aligned
 */

export const FRAME_CONTENT_TYPE = 'application/x-pixloom-frame';

export type FrameDType = 'float32' | 'int64' | 'int32' | 'uint8';

export interface FrameTensor {
  name: string;
  dtype: FrameDType;
  dims: number[];
  data: Float32Array | BigInt64Array | Int32Array | Uint8Array;
}

export interface Frame<M = Record<string, unknown>> {
  meta: M;
  tensors: Record<string, FrameTensor>;
}

interface TensorEntry {
  name: string;
  dtype: FrameDType;
  dims: number[];
  offset: number;
  length: number;
}

const MAGIC = 0x31465850; // "PXF1" read as little-endian u32
const ALIGN = 8;

export class FrameError extends Error {
  override name = 'FrameError';
}

const ARRAYS = {
  float32: Float32Array,
  int64: BigInt64Array,
  int32: Int32Array,
  uint8: Uint8Array,
} as const;

function align(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}

/** Builds a frame tensor, checking that dims match the element count. */
export function tensor(
  name: string,
  data: FrameTensor['data'],
  dims: number[],
): FrameTensor {
  const dtype: FrameDType = data instanceof Float32Array ? 'float32'
    : data instanceof BigInt64Array ? 'int64'
      : data instanceof Int32Array ? 'int32' : 'uint8';
  const count = dims.reduce((a, b) => a * b, 1);
  if (count !== data.length) {
    throw new FrameError(
      `tensor ${name}: dims [${dims}] hold ${count} values, data has ${data.length}`,
    );
  }
  return { name, dtype, dims, data };
}

/** Serialises meta and tensors into one binary frame. */
export function encodeFrame<M>(meta: M, tensors: FrameTensor[] = []): Uint8Array {
  const entries: TensorEntry[] = [];
  let offset = 0;
  for (const t of tensors) {
    entries.push({ name: t.name, dtype: t.dtype, dims: t.dims, offset, length: t.data.byteLength });
    offset = align(offset + t.data.byteLength);
  }
  const header = new TextEncoder().encode(JSON.stringify({ meta, tensors: entries }));
  const bodyStart = align(8 + header.length);
  const out = new Uint8Array(bodyStart + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, header.length, true);
  out.set(header, 8);
  tensors.forEach((t, i) => {
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    out.set(bytes, bodyStart + entries[i].offset);
  });
  return out;
}

/** Parses a frame; tensors are copied out so they are aligned and independent of `bytes`. */
export function decodeFrame<M = Record<string, unknown>>(bytes: Uint8Array): Frame<M> {
  if (bytes.byteLength < 8) throw new FrameError('frame shorter than its 8-byte preamble');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC) throw new FrameError('not a pixloom frame (bad magic)');
  const headerLength = view.getUint32(4, true);
  if (8 + headerLength > bytes.byteLength) throw new FrameError('frame header is truncated');

  let header: { meta: M; tensors: TensorEntry[] };
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  } catch {
    throw new FrameError('frame header is not valid JSON');
  }
  const bodyStart = align(8 + headerLength);
  const tensors: Record<string, FrameTensor> = {};
  for (const e of header.tensors ?? []) {
    const Ctor = ARRAYS[e.dtype];
    if (!Ctor) throw new FrameError(`tensor ${e.name}: unknown dtype ${e.dtype}`);
    const start = bodyStart + e.offset;
    if (start + e.length > bytes.byteLength || e.length % Ctor.BYTES_PER_ELEMENT !== 0) {
      throw new FrameError(`tensor ${e.name}: bytes out of range`);
    }
    const copy = bytes.slice(start, start + e.length);
    const data = new Ctor(copy.buffer, 0, e.length / Ctor.BYTES_PER_ELEMENT);
    tensors[e.name] = tensor(e.name, data, e.dims);
  }
  return { meta: header.meta, tensors };
}
