/**
 * Joining tensors along their leading (batch) axis and splitting them again: what a dynamic
 * batcher does to the feeds of the calls it merges and to the outputs of the merged run.
 */
import * as ort from 'onnxruntime-node';
import type { Feeds } from './graph-executor.js';

type NumericData = Float32Array | BigInt64Array | Int32Array | Uint8Array | Uint16Array
  | Float64Array | Int8Array | Int16Array | BigUint64Array | Uint32Array;

function numeric(t: ort.Tensor): NumericData {
  if (t.type === 'string') throw new Error('string tensors cannot be batched');
  return t.data as NumericData;
}

/**
 * What must be equal for two calls to share a batch: input names, element types, and every
 * axis but the first.
 */
export function batchKey(feeds: Feeds): string {
  return Object.keys(feeds).sort()
    .map((name) => `${name}:${feeds[name].type}[${feeds[name].dims.slice(1).join(',')}]`)
    .join(';');
}

/** The leading axis of the first feed (every feed of a batchable graph shares it). */
export function batchOf(feeds: Feeds): number {
  const first = Object.values(feeds)[0];
  return first && first.dims.length > 0 ? first.dims[0] : 1;
}

/** Concatenates each named feed of `calls` along axis 0. */
export function concatFeeds(calls: Feeds[]): Feeds {
  if (calls.length === 1) return calls[0];
  const out: Feeds = {};
  for (const name of Object.keys(calls[0])) {
    const parts = calls.map((c) => c[name]);
    const data = parts.map(numeric);
    const total = data.reduce((n, d) => n + d.length, 0);
    const Ctor = data[0].constructor as new (n: number) => NumericData;
    const joined = new Ctor(total);
    let at = 0;
    for (const d of data) {
      (joined as Float32Array).set(d as Float32Array, at);
      at += d.length;
    }
    const dims = [parts.reduce((n, p) => n + p.dims[0], 0), ...parts[0].dims.slice(1)];
    out[name] = new ort.Tensor(parts[0].type as 'float32', joined as Float32Array, dims);
  }
  return out;
}

/**
 * Splits each output of a merged run back into one set per call, `sizes[i]` rows for call i,
 * as views on the merged output.
 *
 * @throws Error when an output's leading axis is not the sum of `sizes` (the graph does not
 *   batch along that axis)
 */
export function splitOutputs(outputs: Feeds, sizes: number[]): Feeds[] {
  const total = sizes.reduce((a, b) => a + b, 0);
  const parts: Feeds[] = sizes.map(() => ({}));
  for (const [name, t] of Object.entries(outputs)) {
    if (t.dims[0] !== total) {
      throw new Error(`output ${name} has leading axis ${t.dims[0]}, not the batch ${total}`);
    }
    const data = numeric(t);
    const row = total === 0 ? 0 : data.length / total;
    let start = 0;
    sizes.forEach((size, i) => {
      // A view, not a copy: each caller's rows stay inside the merged output.
      const slice = data.subarray(start * row, (start + size) * row);
      parts[i][name] = new ort.Tensor(t.type as 'float32', slice as Float32Array,
        [size, ...t.dims.slice(1)]);
      start += size;
    });
  }
  return parts;
}
