/**
 * Frame previews decoded at the edge: the story bundle's latent decoder (a graph marked
 * `edge: true`) runs in onnxruntime-web on each frame's latent, and the picture is sent as a
 * small PNG data URL inside the frame event, so a viewer sees frames without fetching them.
 */
import { PixloomError } from '../../../shared/src/errors';
import { parseManifest } from '../../../shared/src/manifest';
import { createSession, ort } from '../ort/runtime';
import { manifestKey } from '../pixel/keys';
import { readGraph } from '../pixel/models';
import { rgbPng } from './story-files';

/** Name of the graph in the story manifest. */
export const LATENT_DECODER = 'latent_decoder';

export interface LatentPreviewer {
  /** The bundle version the decoder came from. */
  version: string;
  /** Decodes one latent `[1, C, H, W]` and returns a PNG data URL at `1 / shrink` size. */
  preview(latent: Float32Array, dims: number[], shrink?: number): Promise<string>;
}

const loaded = new Map<string, Promise<LatentPreviewer>>();

/** The isolate's decoder for `bundle` (read from R2 once, SHA-256 checked). */
export function latentPreviewer(models: R2Bucket, bundle: string): Promise<LatentPreviewer> {
  let previewer = loaded.get(bundle);
  if (!previewer) {
    previewer = load(models, bundle);
    previewer.catch(() => loaded.delete(bundle));
    loaded.set(bundle, previewer);
  }
  return previewer;
}

async function load(models: R2Bucket, bundle: string): Promise<LatentPreviewer> {
  const object = await models.get(manifestKey(bundle));
  if (object === null) {
    throw new PixloomError('UNAVAILABLE', `R2 lacks ${manifestKey(bundle)}; seed the local R2 `
      + 'with the story bundle (npm start does it).');
  }
  const manifest = parseManifest(await object.json());
  const graph = manifest.graphs[LATENT_DECODER];
  if (!graph?.edge) {
    throw new PixloomError('UNAVAILABLE', `The ${bundle} bundle has no ${LATENT_DECODER} graph `
      + 'marked edge: true.');
  }
  const session = await createSession(await readGraph(models, manifest, graph));
  const input = graph.inputs[0].name;
  const output = graph.outputs[0].name;
  return {
    version: manifest.version,
    async preview(latent, dims, shrink = 2) {
      const result = await session.run({ [input]: new ort.Tensor('float32', latent, dims) });
      const image = result[output];
      const [, , height, width] = image.dims as number[];
      return pngDataUrl(image.data as Float32Array, width, height, shrink);
    },
  };
}

/** A `[1, 3, H, W]` float image in [0, 1], box-downscaled by `shrink`, as a PNG data URL. */
export function pngDataUrl(chw: Float32Array, width: number, height: number, shrink: number):
string {
  const w = Math.floor(width / shrink);
  const h = Math.floor(height / shrink);
  const plane = width * height;
  const rgb = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < 3; c++) {
        let sum = 0;
        for (let dy = 0; dy < shrink; dy++) {
          for (let dx = 0; dx < shrink; dx++) {
            sum += chw[c * plane + (y * shrink + dy) * width + x * shrink + dx];
          }
        }
        const v = sum / (shrink * shrink);
        rgb[(y * w + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(v * 255)));
      }
    }
  }
  const png = rgbPng(rgb, w, h);
  let binary = '';
  for (const byte of png) binary += String.fromCharCode(byte);
  return `data:image/png;base64,${btoa(binary)}`;
}
