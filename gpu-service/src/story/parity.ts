/**
 * Parity references written by the export: per graph, inputs and the outputs PyTorch computed
 * for them (parity/<graph>.json indexes parity/<graph>.bin). Running the ONNX graph on the same
 * inputs and comparing checks the export.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';

interface ParityTensor {
  name: string;
  role: 'input' | 'output';
  dtype: 'float32' | 'int64';
  dims: number[];
  offset: number;
  bytes: number;
}

export interface ParityResult {
  graph: string;
  /** Largest absolute difference per output. */
  maxAbsDiff: Record<string, number>;
  /** Largest |value| of each output in the PyTorch reference. */
  maxAbsReference: Record<string, number>;
}

function tensorOf(t: ParityTensor, bin: Buffer): ort.Tensor {
  const bytes = bin.buffer.slice(bin.byteOffset + t.offset, bin.byteOffset + t.offset + t.bytes);
  const data = t.dtype === 'int64' ? new BigInt64Array(bytes) : new Float32Array(bytes);
  return new ort.Tensor(t.dtype, data, t.dims);
}

/** Runs one graph of a bundle on its parity inputs and compares with the stored outputs. */
export async function checkParity(dir: string, graph: string, session: ort.InferenceSession):
Promise<ParityResult> {
  const index = JSON.parse(await readFile(join(dir, 'parity', `${graph}.json`), 'utf8')) as
    { file: string; tensors: ParityTensor[] };
  const bin = await readFile(join(dir, 'parity', index.file));
  const feeds: Record<string, ort.Tensor> = {};
  for (const t of index.tensors.filter((x) => x.role === 'input')) feeds[t.name] = tensorOf(t, bin);
  const out = await session.run(feeds);
  const maxAbsDiff: Record<string, number> = {};
  const maxAbsReference: Record<string, number> = {};
  for (const t of index.tensors.filter((x) => x.role === 'output')) {
    const want = tensorOf(t, bin).data as Float32Array;
    const got = out[t.name].data as Float32Array;
    if (got.length !== want.length) {
      throw new Error(`${graph}.${t.name}: ${got.length} values, parity file has ${want.length}`);
    }
    let worst = 0;
    let largest = 0;
    for (let i = 0; i < want.length; i++) {
      worst = Math.max(worst, Math.abs(got[i] - want[i]));
      largest = Math.max(largest, Math.abs(want[i]));
    }
    maxAbsDiff[t.name] = worst;
    maxAbsReference[t.name] = largest;
  }
  return { graph, maxAbsDiff, maxAbsReference };
}
