/**
 * A segmentation as the schema sees it. Masks are decoded lazily: the first mask-derived field
 * of any segment starts one decoder batch for all targets, which every segment then shares.
 */
import type { FrameTensor } from '../../../shared/src/frame';
import type { MaskRequest, MaskValue, SegmentRecord, SegmentStats, SegmentationRecord,
  SegmentationTimings } from '../../../schema/src/context';
import type { CachedFeatures, ImageGeometry } from './caches';
import type { PixelDecoder, Tensor32 } from './decoder';
import { encodeMask, TargetMask, type PngStore } from './masks';
import { MemoryCache } from './memory-cache';

/**
 * Decoded masks of recent segmentations, by segmentation id (which includes the bundle
 * version), so a repeated query in the same isolate does not run the decoder again.
 */
const decodedMasks = new MemoryCache<TargetMask[]>(128);

export interface SegmentationInit {
  id: string;
  imageId: string;
  answer: string;
  labels: string[];
  model: { name: string; version: string };
  timings: SegmentationTimings;
  cached: { answer: boolean; features: boolean };
  image: ImageGeometry;
  /** [targets, codebook tokens, hidden]; `null` when the answer names nothing. */
  segHidden: FrameTensor | null;
  /** The decoder features of the image (from the cache, or fetched again if evicted). */
  features: () => Promise<CachedFeatures>;
  decoder: () => Promise<PixelDecoder>;
  png: PngStore;
}

function float32(t: FrameTensor): Tensor32 {
  return { data: t.data as Float32Array, dims: t.dims };
}

export class Segmentation implements SegmentationRecord {
  readonly id: string;
  readonly imageId: string;
  readonly answer: string;
  readonly model: { name: string; version: string };
  readonly timings: SegmentationTimings;
  readonly cached: { answer: boolean; features: boolean };
  readonly segments: SegmentRecord[];

  private batch: Promise<TargetMask[]> | null = null;
  private readonly single = new Map<number, Promise<TargetMask>>();
  private decoderMs = 0;

  constructor(private readonly init: SegmentationInit) {
    this.id = init.id;
    this.imageId = init.imageId;
    this.answer = init.answer;
    this.model = init.model;
    this.timings = init.timings;
    this.cached = init.cached;
    this.segments = init.labels.map((label, index) => this.segment(label, index));
  }

  /** The decoded mask of one target: its own decode if the stream ran one, else the batch. */
  target(index: number): Promise<TargetMask> {
    return this.single.get(index) ?? this.decodeAll().then((all) => all[index]);
  }

  /** Decodes every target in one batch, once (or takes the masks a recent query decoded). */
  decodeAll(): Promise<TargetMask[]> {
    if (!this.batch) {
      const recent = decodedMasks.get(this.id);
      this.batch = recent ? Promise.resolve(recent)
        : this.decode(this.init.segHidden as FrameTensor).then((masks) => {
          decodedMasks.set(this.id, masks);
          return masks;
        });
    }
    return this.batch;
  }

  /** Decodes one target on its own (the stream sends each segment as soon as it is ready). */
  decodeOne(index: number): Promise<TargetMask> {
    let one = this.single.get(index);
    const recent = decodedMasks.get(this.id)?.[index];
    if (!one && recent) {
      one = Promise.resolve(recent);
      this.single.set(index, one);
    } else if (!one) {
      const seg = this.init.segHidden as FrameTensor;
      const [, tokens, hidden] = seg.dims;
      const size = tokens * hidden;
      const data = (seg.data as Float32Array).subarray(index * size, (index + 1) * size);
      const slice: FrameTensor = { name: seg.name, dtype: seg.dtype, dims: [1, tokens, hidden],
        data };
      one = this.decode(slice).then((masks) => masks[0]);
      this.single.set(index, one);
    }
    return one;
  }

  async decodeMs(): Promise<number | null> {
    // Sibling fields start their decodes in the same execution pass; let that pass finish.
    await Promise.resolve();
    const started = [...this.single.values(), ...(this.batch ? [this.batch] : [])];
    if (started.length === 0) return null;
    await Promise.all(started);
    return this.decoderMs;
  }

  private async decode(segHidden: FrameTensor): Promise<TargetMask[]> {
    const [features, decoder] = await Promise.all([this.init.features(), this.init.decoder()]);
    const out = await decoder.timedRun({
      segHidden: float32(segHidden),
      features0: float32(features.features0),
      features1: float32(features.features1),
    });
    this.decoderMs += out.ms;
    const [targets, height, width] = out.maskLogits.dims;
    const plane = height * width;
    return Array.from({ length: targets }, (_, i) => new TargetMask(
      out.maskLogits.data.subarray(i * plane, (i + 1) * plane),
      decoder.maskSize,
      this.init.image,
      out.scores[i] ?? Number.NaN,
    ));
  }

  private segment(label: string, index: number): SegmentRecord {
    const png = this.init.png;
    const name = `${this.id}-${index}`;
    return {
      index,
      label,
      stats: async (): Promise<SegmentStats> => (await this.target(index)).stats(),
      mask: async (request: MaskRequest): Promise<MaskValue> =>
        encodeMask(await this.target(index), request, png, name),
    };
  }
}
