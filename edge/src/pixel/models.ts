/** The pixel bundle as the edge sees it: its manifest and its edge graphs, read from R2. */
import { PixloomError } from '../../../shared/src/errors';
import { parseManifest, type BundleManifest, type GraphSpec } from '../../../shared/src/manifest';
import { manifestKey, modelFileKey, sha256Hex } from './keys';

/** Name of the graph the edge runs, in the manifest's `graphs`. */
export const PIXEL_DECODER = 'pixel_decoder';

export interface DecoderBundle {
  manifest: BundleManifest;
  graph: GraphSpec;
  /** Side of the square mask logits (the model frame). */
  maskSize: number;
}

function unavailable(message: string, cause?: unknown): PixloomError {
  return new PixloomError('UNAVAILABLE', message, { cause });
}

/** Reads `models/<bundle>/manifest.json` and checks that it names an edge pixel decoder. */
export async function readDecoderBundle(models: R2Bucket, bundle: string): Promise<DecoderBundle> {
  const object = await models.get(manifestKey(bundle));
  if (object === null) {
    throw unavailable(`The edge has no ${bundle} model: R2 lacks ${manifestKey(bundle)}. Seed `
      + 'the local R2 with the bundle (npm start does it) and retry.');
  }
  let manifest: BundleManifest;
  try {
    manifest = parseManifest(await object.json());
  } catch (cause) {
    throw unavailable(`The ${bundle} manifest in R2 is invalid; seed R2 again.`, cause);
  }
  const graph = manifest.graphs[PIXEL_DECODER];
  if (!graph?.edge) {
    throw unavailable(`The ${bundle} bundle has no ${PIXEL_DECODER} graph marked edge: true.`);
  }
  const decoder = manifest.decoder as { maskSize?: number } | undefined;
  const fromShape = graph.outputs.find((o) => o.name === 'mask_logits')?.shape.at(-1);
  const maskSize = decoder?.maskSize ?? (typeof fromShape === 'number' ? fromShape : NaN);
  if (!Number.isInteger(maskSize) || maskSize <= 0) {
    throw unavailable(`The ${bundle} manifest gives no mask size (decoder.maskSize).`);
  }
  return { manifest, graph, maskSize };
}

/** Reads one graph of the bundle from R2 and checks its SHA-256 against the manifest. */
export async function readGraph(
  models: R2Bucket,
  manifest: BundleManifest,
  graph: GraphSpec,
): Promise<Uint8Array> {
  const key = modelFileKey(manifest.name, manifest.version, graph.file);
  const object = await models.get(key);
  if (object === null) {
    throw unavailable(`R2 lacks ${key} (named by the ${manifest.name} manifest); seed it again.`);
  }
  const bytes = new Uint8Array(await object.arrayBuffer());
  const digest = await sha256Hex(bytes);
  if (digest !== graph.sha256) {
    throw unavailable(`${key} in R2 has SHA-256 ${digest}, the manifest says ${graph.sha256}; `
      + 'seed R2 again from the bundle folder.');
  }
  return bytes;
}
