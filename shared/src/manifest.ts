/**
 * Model bundle manifest: everything a pipeline needs to run a bundle without reading its code.
 *
 * A bundle is a folder holding `manifest.json`, the ONNX graphs it names and a vocabulary.
 * The same form serves the shipped reference bundles and bundles exported from real
 * PixelLM / StoryDiffusion checkpoints; only the sizes differ.
 */

export type TensorDType = 'float32' | 'float16' | 'int64' | 'int32' | 'bool' | 'uint8';

/** A dimension is a fixed size or a symbolic axis name such as `"batch"` or `"past"`. */
export type Dim = number | string;

export interface TensorSpec {
  name: string;
  dtype: TensorDType;
  shape: Dim[];
}

export interface GraphSpec {
  /** File name inside the bundle folder. */
  file: string;
  /** Lower-case hex SHA-256 of the file's bytes. */
  sha256: string;
  /** Whether the graph is small enough to run at the edge (onnxruntime-web). */
  edge: boolean;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
}

export interface ImageSpec {
  /** Side of the square model input, in pixels. */
  size: number;
  /** The longest side is scaled to `size`; the rest is zero-padded at the bottom and right. */
  resize: 'longest-side';
  /** Per-channel RGB mean and std applied to values in [0, 1]. */
  mean: [number, number, number];
  std: [number, number, number];
}

export interface VocabularySpec {
  file: string;
  sha256: string;
  /** Ids of the special tokens (pad, bos, eos, sep, unk, …). */
  special: Record<string, number>;
}

export interface BundleManifest {
  /** Bundle name, e.g. `pixel-ref`. */
  name: string;
  kind: 'pixel' | 'story';
  /** Goes into every cache key: change it whenever any graph or the vocabulary changes. */
  version: string;
  graphs: Record<string, GraphSpec>;
  vocabulary?: VocabularySpec;
  image?: ImageSpec;
  /** Kind-specific settings (codebook layout, LM sizes, scheduler, latent shape, …). */
  [key: string]: unknown;
}

export class ManifestError extends Error {
  override name = 'ManifestError';
}

const DTYPES: ReadonlySet<string> = new Set([
  'float32', 'float16', 'int64', 'int32', 'bool', 'uint8',
]);

function fail(where: string, what: string): never {
  throw new ManifestError(`manifest ${where}: ${what}`);
}

function checkTensor(where: string, t: unknown): TensorSpec {
  const spec = t as TensorSpec;
  if (typeof spec?.name !== 'string' || spec.name === '') fail(where, 'tensor without a name');
  if (!DTYPES.has(spec.dtype)) fail(`${where}.${spec.name}`, `unknown dtype ${String(spec.dtype)}`);
  const okShape = Array.isArray(spec.shape)
    && spec.shape.every((d) => (typeof d === 'number' && d >= 0) || typeof d === 'string');
  if (!okShape) fail(`${where}.${spec.name}`, 'shape must be a list of sizes or axis names');
  return spec;
}

/** Checks the structure of a parsed manifest and returns it typed; throws ManifestError. */
export function parseManifest(json: unknown): BundleManifest {
  const m = json as BundleManifest;
  if (typeof m !== 'object' || m === null) fail('', 'not a JSON object');
  if (typeof m.name !== 'string' || m.name === '') fail('name', 'missing');
  if (m.kind !== 'pixel' && m.kind !== 'story') fail('kind', 'must be "pixel" or "story"');
  if (typeof m.version !== 'string' || m.version === '') fail('version', 'missing');
  if (typeof m.graphs !== 'object' || m.graphs === null) fail('graphs', 'missing');

  for (const [key, g] of Object.entries(m.graphs)) {
    const where = `graphs.${key}`;
    if (typeof g.file !== 'string') fail(where, 'no file');
    if (!/^[0-9a-f]{64}$/.test(g.sha256 ?? '')) fail(where, 'sha256 must be 64 hex digits');
    if (typeof g.edge !== 'boolean') fail(where, 'edge must be true or false');
    if (!Array.isArray(g.inputs) || !Array.isArray(g.outputs)) {
      fail(where, 'inputs/outputs missing');
    }
    g.inputs.forEach((t) => checkTensor(`${where}.inputs`, t));
    g.outputs.forEach((t) => checkTensor(`${where}.outputs`, t));
  }
  if (m.vocabulary && !/^[0-9a-f]{64}$/.test(m.vocabulary.sha256 ?? '')) {
    fail('vocabulary', 'sha256 must be 64 hex digits');
  }
  return m;
}
