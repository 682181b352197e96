/**
 * The two edge caches of the pixel pipeline, with a small in-isolate layer on top:
 * - image features (the encoder outputs) in R2, keyed by (bundle version, image id);
 * - answers with their seg embeddings in KV, keyed by (bundle version, image id, question).
 * Both are stored as tensor frames, so they travel and rest as binary.
 */
import { decodeFrame, encodeFrame, FRAME_CONTENT_TYPE, type FrameTensor }
  from '../../../shared/src/frame';
import type { PixelAnswerResponse } from '../../../shared/src/wire';
import type { ImageFeatures } from './gpu-client';
import { featuresKey } from './keys';
import { MemoryCache } from './memory-cache';

/** The image as the model saw it: original size and the part of the model frame it covers. */
export interface ImageGeometry {
  width: number;
  height: number;
  content: { width: number; height: number };
}

export interface CachedFeatures extends ImageFeatures {
  image: ImageGeometry;
}

export interface CachedAnswer {
  response: PixelAnswerResponse & { image: ImageGeometry };
  segHidden: FrameTensor | null;
}

const features = new MemoryCache<CachedFeatures>(64);
const answers = new MemoryCache<CachedAnswer>(256);

export class FeatureCache {
  constructor(private readonly bucket: R2Bucket) {}

  async get(bundle: string, version: string, imageId: string): Promise<CachedFeatures | null> {
    const key = featuresKey(bundle, version, imageId);
    const hot = features.get(key);
    if (hot) return hot;
    const object = await this.bucket.get(key);
    if (object === null) return null;
    const frame = decodeFrame<{ image: ImageGeometry }>(new Uint8Array(await object.arrayBuffer()));
    const t = frame.tensors;
    const value = { image: frame.meta.image, imageTokens: t.image_tokens,
      features0: t.features_0, features1: t.features_1 };
    features.set(key, value);
    return value;
  }

  /** Whether features are stored, without reading them. */
  async has(bundle: string, version: string, imageId: string): Promise<boolean> {
    const key = featuresKey(bundle, version, imageId);
    return features.get(key) !== undefined || (await this.bucket.head(key)) !== null;
  }

  async put(bundle: string, version: string, imageId: string, value: CachedFeatures) {
    const key = featuresKey(bundle, version, imageId);
    const bytes = encodeFrame({ image: value.image }, [
      { ...value.imageTokens, name: 'image_tokens' },
      { ...value.features0, name: 'features_0' },
      { ...value.features1, name: 'features_1' },
    ]);
    await this.bucket.put(key, bytes, {
      httpMetadata: { contentType: FRAME_CONTENT_TYPE },
    });
    features.set(key, value);
  }
}

export class AnswerCache {
  constructor(private readonly kv: KVNamespace) {}

  async get(key: string): Promise<CachedAnswer | null> {
    const hot = answers.get(key);
    if (hot) return hot;
    const buffer = await this.kv.get(key, 'arrayBuffer');
    if (buffer === null) return null;
    const frame = decodeFrame<CachedAnswer['response']>(new Uint8Array(buffer));
    const value = { response: frame.meta, segHidden: frame.tensors.seg_hidden ?? null };
    answers.set(key, value);
    return value;
  }

  async put(key: string, value: CachedAnswer): Promise<void> {
    const tensors = value.segHidden ? [{ ...value.segHidden, name: 'seg_hidden' }] : [];
    await this.kv.put(key, encodeFrame(value.response, tensors));
    answers.set(key, value);
  }
}
