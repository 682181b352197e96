/**
 * Decoded masks of one segmentation: logits from the pixel decoder, turned into binary masks at
 * the asked size and encoded as COCO RLE, PNG (stored in R2, served by the edge) or polygons.
 */
import { maskArea, maskBbox, maskFromLogits } from '../../../shared/src/mask';
import { encodeMaskPng } from '../../../shared/src/png-mask';
import { maskToPolygons } from '../../../shared/src/polygon';
import { encodeRle, type BinaryMask } from '../../../shared/src/rle';
import type { MaskRequest, MaskValue, SegmentStats } from '../../../schema/src/context';
import type { ImageGeometry } from './caches';
import { pngMaskKey } from './keys';
import { MemoryCache } from './memory-cache';

/** Where rendered PNG masks go and the URL prefix they are served at. */
export interface PngStore {
  bucket: R2Bucket;
  /** e.g. `http://127.0.0.1:8787/masks/` */
  baseUrl: string;
}

/** Probability → logit, the decoder's output space. */
export function logitOf(probability: number): number {
  return Math.log(probability / (1 - probability));
}

/** The logits of one target and what is needed to place them on the image. */
export class TargetMask {
  private readonly binaries = new MemoryCache<BinaryMask>(8);

  constructor(
    /** S×S logits of this target, row-major. */
    readonly logits: Float32Array,
    readonly maskSize: number,
    readonly image: ImageGeometry,
    readonly score: number,
  ) {}

  /** The binary mask at `width`×`height`, set where the probability exceeds `threshold`. */
  binary(width: number, height: number, threshold: number): BinaryMask {
    const key = `${width}x${height}@${threshold}`;
    let mask = this.binaries.get(key);
    if (!mask) {
      mask = maskFromLogits(this.logits, this.maskSize, this.image.content, width, height,
        logitOf(threshold));
      this.binaries.set(key, mask);
    }
    return mask;
  }

  /** Score, area and box at the image's own size, threshold 0.5. */
  stats(): SegmentStats {
    const mask = this.binary(this.image.width, this.image.height, 0.5);
    const area = maskArea(mask);
    const [x, y, width, height] = maskBbox(mask);
    return { score: this.score, area, bbox: area === 0 ? null : { x, y, width, height } };
  }
}

/** Encodes one target's mask as the client asked. */
export async function encodeMask(
  target: TargetMask,
  request: MaskRequest,
  png: PngStore,
  name: string,
): Promise<MaskValue> {
  const width = request.width ?? target.image.width;
  const height = request.height ?? target.image.height;
  const mask = target.binary(width, height, request.threshold);

  if (request.format === 'RLE') {
    const rle = encodeRle(mask);
    return { kind: 'rle', size: rle.size, counts: rle.counts };
  }
  if (request.format === 'POLYGON') {
    return { kind: 'polygon', polygons: maskToPolygons(mask.data, width, height) };
  }
  const file = `${name}-${width}x${height}-t${request.threshold}.png`;
  const key = pngMaskKey(file);
  if ((await png.bucket.head(key)) === null) {
    await png.bucket.put(key, encodeMaskPng(mask.data, width, height), {
      httpMetadata: { contentType: 'image/png' },
    });
  }
  return { kind: 'png', url: `${png.baseUrl}${file}`, width, height };
}
