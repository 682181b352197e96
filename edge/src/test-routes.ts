/**
 * Internal routes for the edge tests, served only when PIXLOOM_TEST_ROUTES is "1":
 * `POST /__test/pixel-decoder` runs the WASM pixel decoder on a tensor frame
 * (`seg_hidden`, `features_0`, `features_1`) and answers with a frame (`mask_logits`, `scores`),
 * so a test can compare it with onnxruntime-node on the same inputs.
 */
import { decodeFrame, encodeFrame, FRAME_CONTENT_TYPE, tensor } from '../../shared/src/frame';
import { settledNow } from './clock';
import type { EdgeConfig, Env } from './env';
import { currentBundle, pixelDecoder } from './pixel/decoder';

export const TEST_PREFIX = '/__test/';

/** Handles a `/__test/…` request. */
export async function handleTestRoute(
  request: Request,
  env: Env,
  config: EdgeConfig,
): Promise<Response> {
  const path = new URL(request.url).pathname.slice(TEST_PREFIX.length);
  if (path !== 'pixel-decoder' || request.method !== 'POST') {
    return new Response('Not found', { status: 404 });
  }
  const frame = decodeFrame(new Uint8Array(await request.arrayBuffer()));
  const input = (name: string) => {
    const t = frame.tensors[name];
    if (!t || t.dtype !== 'float32') throw new Error(`frame lacks float32 tensor ${name}`);
    return { data: t.data as Float32Array, dims: t.dims };
  };
  const bundle = await currentBundle(env.MODELS, config.pixelBundle);
  const loadStarted = await settledNow();
  const decoder = await pixelDecoder(env.MODELS, bundle);
  const loadMs = (await settledNow()) - loadStarted;
  const out = await decoder.timedRun({
    segHidden: input('seg_hidden'),
    features0: input('features_0'),
    features1: input('features_1'),
  });
  const body = encodeFrame({ runMs: out.ms, loadMs, version: decoder.version }, [
    tensor('mask_logits', out.maskLogits.data, out.maskLogits.dims),
    tensor('scores', out.scores, [out.scores.length]),
  ]);
  return new Response(body, { headers: { 'content-type': FRAME_CONTENT_TYPE } });
}
