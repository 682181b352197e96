/**
 * Loads a model bundle folder: reads `manifest.json` (checked by `parseManifest`), verifies the
 * sha256 of every graph and of the vocabulary against the manifest, and opens one
 * onnxruntime-node session per graph on the chosen execution provider.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { type Logger, silentLogger } from '../../shared/src/logger.js';
import { type BundleManifest, type GraphSpec, parseManifest } from '../../shared/src/manifest.js';
import { gpuMetrics } from './metrics/gpu-metrics.js';
import { instrumentSession } from './metrics/instrument-session.js';

export type ExecutionProvider = 'cpu' | 'cuda';

export type BundleErrorCode =
  | 'BUNDLE_MISSING_FILE'
  | 'BUNDLE_HASH_MISMATCH'
  | 'BUNDLE_INVALID'
  | 'EXECUTION_PROVIDER_UNAVAILABLE';

/** A bundle that cannot be used as it is; the message names the file and how to fix it. */
export class BundleError extends Error {
  override name = 'BundleError';
  constructor(readonly code: BundleErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export interface LoadBundleOptions {
  /** @default 'cpu' */
  executionProvider?: ExecutionProvider;
  logger?: Logger;
  /** Load only these graphs (by manifest key). @default every graph in the manifest */
  graphs?: string[];
  /** Threads per session for the CPU provider. @default onnxruntime's choice */
  intraOpNumThreads?: number;
}

export interface LoadedBundle {
  dir: string;
  manifest: BundleManifest;
  sessions: Record<string, ort.InferenceSession>;
  /** The parsed vocabulary file, when the manifest names one. */
  vocabulary: unknown;
  executionProvider: ExecutionProvider;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function readBundleFile(dir: string, file: string, what: string): Promise<Buffer> {
  try {
    return await readFile(join(dir, file));
  } catch (cause) {
    throw new BundleError('BUNDLE_MISSING_FILE', `${join(dir, file)} (${what}) cannot be read: `
      + `${(cause as Error).message}. Export the bundle again or point at a complete bundle `
      + 'folder.', { cause });
  }
}

function checkHash(dir: string, file: string, bytes: Uint8Array, expected: string): void {
  const actual = sha256(bytes);
  if (actual !== expected) {
    throw new BundleError('BUNDLE_HASH_MISMATCH', `${join(dir, file)} has sha256 ${actual}, but `
      + `manifest.json says ${expected}: the file was changed or is from another export. `
      + 'Export the bundle again so the file and the manifest match.');
  }
}

function checkNames(key: string, spec: GraphSpec, session: ort.InferenceSession): void {
  const want = [spec.inputs.map((t) => t.name), spec.outputs.map((t) => t.name)];
  const got = [[...session.inputNames], [...session.outputNames]];
  if (JSON.stringify(want) !== JSON.stringify(got)) {
    throw new BundleError('BUNDLE_INVALID', `Graph ${key} (${spec.file}) has inputs/outputs `
      + `${JSON.stringify(got)} but the manifest lists ${JSON.stringify(want)}; export the `
      + 'bundle again.');
  }
}

async function openSession(
  dir: string, key: string, spec: GraphSpec, bytes: Uint8Array, options: LoadBundleOptions,
): Promise<ort.InferenceSession> {
  const ep = options.executionProvider ?? 'cpu';
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    // Only the provider asked for: with 'cuda' a missing CUDA provider is an error, never a
    // silent fall back to the CPU.
    executionProviders: [ep],
    graphOptimizationLevel: 'all',
    ...(options.intraOpNumThreads ? { intraOpNumThreads: options.intraOpNumThreads } : {}),
  };
  try {
    return await ort.InferenceSession.create(bytes, sessionOptions);
  } catch (cause) {
    const reason = (cause as Error).message;
    if (ep === 'cuda') {
      throw new BundleError('EXECUTION_PROVIDER_UNAVAILABLE', `The CUDA execution provider did `
        + `not load for ${join(dir, spec.file)} (${reason}). Install onnxruntime-node's CUDA `
        + 'provider (the GPU image does) or run with the cpu execution provider.', { cause });
    }
    throw new BundleError('BUNDLE_INVALID', `${join(dir, spec.file)} (graph ${key}) cannot be `
      + `opened by onnxruntime: ${reason}. Export the bundle again.`, { cause });
  }
}

/**
 * Loads and verifies a bundle folder.
 *
 * @throws BundleError when a file is missing, a hash differs from the manifest, the manifest is
 *   malformed, or the asked execution provider did not load
 */
export async function loadBundle(dir: string, options: LoadBundleOptions = {}):
Promise<LoadedBundle> {
  const logger = options.logger ?? silentLogger;
  const started = Date.now();
  const raw = await readBundleFile(dir, 'manifest.json', 'the bundle manifest');
  let manifest: BundleManifest;
  try {
    manifest = parseManifest(JSON.parse(raw.toString('utf8')));
  } catch (cause) {
    throw new BundleError('BUNDLE_INVALID', `${join(dir, 'manifest.json')} is not a usable `
      + `manifest: ${(cause as Error).message}. Export the bundle again.`, { cause });
  }

  let vocabulary: unknown = null;
  if (manifest.vocabulary) {
    const { file, sha256: expected } = manifest.vocabulary;
    const bytes = await readBundleFile(dir, file, 'the vocabulary');
    checkHash(dir, file, bytes, expected);
    vocabulary = JSON.parse(bytes.toString('utf8'));
  }

  const keys = options.graphs ?? Object.keys(manifest.graphs);
  const sessions: Record<string, ort.InferenceSession> = {};
  for (const key of keys) {
    const spec = manifest.graphs[key];
    if (!spec) {
      throw new BundleError('BUNDLE_INVALID', `${join(dir, 'manifest.json')} has no graph `
        + `"${key}"; this bundle has ${Object.keys(manifest.graphs).join(', ')}.`);
    }
    const bytes = await readBundleFile(dir, spec.file, `graph ${key}`);
    checkHash(dir, spec.file, bytes, spec.sha256);
    const session = await openSession(dir, key, spec, bytes, options);
    checkNames(key, spec, session);
    sessions[key] = instrumentSession(session, manifest.name, key);
  }
  const executionProvider = options.executionProvider ?? 'cpu';
  gpuMetrics.bundleInfo.set({ bundle: manifest.name, kind: manifest.kind,
    version: manifest.version, execution_provider: executionProvider }, 1);
  logger.info('bundle loaded', {
    bundle: manifest.name, version: manifest.version, graphs: keys, executionProvider,
    ms: Date.now() - started,
  });
  return { dir, manifest, sessions, vocabulary, executionProvider };
}
