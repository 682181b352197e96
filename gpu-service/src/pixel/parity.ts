/**
 * Graph parity: replays the reference inputs that export wrote into a bundle's `parity/`
 * folder (PyTorch inputs and outputs per graph, base64 little-endian) through onnxruntime and
 * reports the largest absolute difference per output.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { LoadedBundle } from '../bundle.js';

interface StoredTensor {
  name: string;
  dtype: 'float32' | 'int64';
  dims: number[];
  data: string;
}

interface ParityCase {
  graph: string;
  inputs: StoredTensor[];
  outputs: StoredTensor[];
}

function toTensor(t: StoredTensor): ort.Tensor {
  const bytes = Buffer.from(t.data, 'base64');
  const copy = new Uint8Array(bytes);
  const data = t.dtype === 'int64' ? new BigInt64Array(copy.buffer) : new Float32Array(copy.buffer);
  return new ort.Tensor(t.dtype, data, t.dims);
}

export interface ParityResult {
  file: string;
  graph: string;
  /** Largest |onnxruntime − PyTorch| over each output. */
  maxAbsDiff: Record<string, number>;
  /** Largest |PyTorch value| of each output, to judge the difference against. */
  maxAbsReference: Record<string, number>;
}

/** Runs every `parity/*.json` case of a loaded bundle. */
export async function checkParity(bundle: LoadedBundle): Promise<ParityResult[]> {
  const dir = join(bundle.dir, 'parity');
  const results: ParityResult[] = [];
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.json')).sort()) {
    const c = JSON.parse(await readFile(join(dir, file), 'utf8')) as ParityCase;
    const feeds: Record<string, ort.Tensor> = {};
    for (const t of c.inputs) feeds[t.name] = toTensor(t);
    const out = await bundle.sessions[c.graph].run(feeds);
    const maxAbsDiff: Record<string, number> = {};
    const maxAbsReference: Record<string, number> = {};
    for (const t of c.outputs) {
      const want = toTensor(t).data as Float32Array;
      maxAbsReference[t.name] = want.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
      const got = out[t.name];
      if (JSON.stringify([...got.dims]) !== JSON.stringify(t.dims)) {
        maxAbsDiff[t.name] = Infinity;
        continue;
      }
      const data = got.data as Float32Array;
      let m = 0;
      for (let i = 0; i < want.length; i++) m = Math.max(m, Math.abs(data[i] - want[i]));
      maxAbsDiff[t.name] = m;
    }
    results.push({ file, graph: c.graph, maxAbsDiff, maxAbsReference });
  }
  return results;
}
