/**
 * The edge side of `segment`: resolve the image, look in the caches, call the gpu-service only
 * for what is missing, store what it returns, and hand the schema a {@link Segmentation} whose
 * masks are decoded at the edge when asked for.
 */
import { PixloomError } from '../../../shared/src/errors';
import type { Logger } from '../../../shared/src/logger';
import type { ImageRecord, PixelService, SegmentEventRecord, SegmentRequest }
  from '../../../schema/src/context';
import type { EdgeConfig, Env } from '../env';
import { answerPiece, answerPieces } from './answer-words';
import { AnswerCache, FeatureCache, type CachedAnswer, type CachedFeatures } from './caches';
import { currentBundle, pixelDecoder } from './decoder';
import { GpuPool } from '../resilience/gpu-pool';
import { readPoolConfig, type PoolEnv } from '../resilience/pool-config';
import { GpuClient, type AnswerCall, type AnswerResult } from './gpu-client';
import { ImageStore } from './images';
import { answerKeys, normaliseQuestion } from './keys';
import type { PngStore } from './masks';
import type { DecoderBundle } from './models';
import { Segmentation } from './segmentation';

const IMAGE_ID = /^[0-9a-f]{64}$/;

/** One `segment` call after its arguments are resolved. */
interface Prepared {
  bundle: DecoderBundle;
  image: ImageRecord;
  /** The file bytes when they came with the request (else read from R2 if needed). */
  bytes: Uint8Array | null;
  question: string;
  segmentationId: string;
  answerKey: string;
  started: number;
}

export class EdgePixelService implements PixelService {
  private readonly images: ImageStore;
  private readonly features: FeatureCache;
  private readonly answers: AnswerCache;
  private readonly gpu: GpuClient;

  constructor(
    private readonly env: Env,
    private readonly config: EdgeConfig,
    private readonly png: PngStore,
    private readonly logger: Logger,
  ) {
    this.images = new ImageStore(env.BLOBS, config.imageLimits);
    this.features = new FeatureCache(env.BLOBS);
    this.answers = new AnswerCache(env.ANSWERS);
    const pool = readPoolConfig(env as Env & PoolEnv);
    this.gpu = new GpuClient(new GpuPool(pool.urls, logger, pool.options),
      config.gpuServiceSecret, logger);
  }

  async uploadImage(file: File): Promise<ImageRecord> {
    return (await this.images.ingest(file)).image;
  }

  async image(id: string): Promise<ImageRecord | null> {
    return IMAGE_ID.test(id) ? this.images.find(id) : null;
  }

  async segment(request: SegmentRequest): Promise<Segmentation> {
    const prep = await this.prepare(request);
    const hit = await this.answers.get(prep.answerKey);
    if (hit) return this.fromCache(prep, hit);

    const cached = await this.cachedFeatures(prep);
    const result = await this.gpu.answer(await this.answerCall(prep, cached));
    return this.store(prep, cached, result);
  }

  async* segmentStream(
    request: SegmentRequest,
    options: { decodeMasks: boolean; signal?: AbortSignal },
  ): AsyncGenerator<SegmentEventRecord> {
    const prep = await this.prepare(request);
    let segmentation: Segmentation;
    const hit = await this.answers.get(prep.answerKey);
    if (hit) {
      for (const text of answerPieces(hit.response.answer)) yield { kind: 'token', text };
      segmentation = await this.fromCache(prep, hit);
    } else {
      const cached = await this.cachedFeatures(prep);
      const call = await this.answerCall(prep, cached);
      let result: AnswerResult | null = null;
      let first = true;
      for await (const event of this.gpu.answerStream(call, options.signal)) {
        if (event.type === 'result') {
          result = event.result;
        } else {
          yield { kind: 'token', text: answerPiece(event.text, first) };
          first = false;
        }
      }
      segmentation = await this.store(prep, cached, result as AnswerResult);
    }

    for (const segment of segmentation.segments) {
      if (options.decodeMasks) await segmentation.decodeOne(segment.index);
      yield { kind: 'segment', segment };
    }
    yield { kind: 'done', segmentation };
  }

  private async prepare(request: SegmentRequest): Promise<Prepared> {
    const started = performance.now();
    const question = normaliseQuestion(request.question);
    if (question === '') {
      throw new PixloomError('BAD_REQUEST', 'The question is empty; ask something about the '
        + 'image, e.g. "where are the red shapes?".');
    }
    if (question.length > this.config.maxQuestionLength) {
      throw new PixloomError('BAD_REQUEST', `The question has ${question.length} characters; `
        + `ask in at most ${this.config.maxQuestionLength}.`);
    }
    const [bundle, source] = await Promise.all([
      currentBundle(this.env.MODELS, this.config.pixelBundle),
      request.image
        ? this.images.ingest(request.image)
        : this.images.require(request.imageId as string).then((image) => ({ image, bytes: null })),
    ]);
    const { name, version } = bundle.manifest;
    const keys = await answerKeys(name, version, source.image.id, question);
    return { bundle, image: source.image, bytes: source.bytes, question, started, ...keys };
  }

  private cachedFeatures(prep: Prepared): Promise<CachedFeatures | null> {
    const { name, version } = prep.bundle.manifest;
    return this.features.get(name, version, prep.image.id);
  }

  private async answerCall(prep: Prepared, cached: CachedFeatures | null): Promise<AnswerCall> {
    const base = { imageId: prep.image.id, question: prep.question };
    if (cached) return { ...base, imageTokens: cached.imageTokens, wantFeatures: false };
    const image = prep.bytes ?? await this.images.bytes(prep.image.id);
    return { ...base, image, wantFeatures: true };
  }

  /** Stores a fresh gpu-service result in both caches and wraps it. */
  private async store(
    prep: Prepared,
    cached: CachedFeatures | null,
    result: AnswerResult,
  ): Promise<Segmentation> {
    const { name, version } = prep.bundle.manifest;
    const served = result.response.model;
    if (served.name !== name || served.version !== version) {
      this.logger.error('bundle mismatch', { edge: `${name}@${version}`,
        gpu: `${served.name}@${served.version}` });
      throw new PixloomError('UNAVAILABLE', `The gpu-service serves ${served.name} `
        + `${served.version} but the edge decoder is ${name} ${version}; seed the edge's R2 `
        + 'with the same bundle (npm start does) and retry.');
    }
    const image = cached?.image ?? result.response.image;
    if (!image) throw new Error('gpu-service answered without the image geometry');

    const writes: Promise<void>[] = [];
    const fresh = !cached && result.features ? { ...result.features, image } : null;
    if (fresh) writes.push(this.features.put(name, version, prep.image.id, fresh));
    const answer: CachedAnswer = { response: { ...result.response, image },
      segHidden: result.segHidden };
    writes.push(this.answers.put(prep.answerKey, answer));
    await Promise.all(writes);

    const t = result.response.timings;
    return this.wrap(prep, answer, {
      cached: { answer: false, features: cached !== null },
      timings: {
        edgeMs: performance.now() - prep.started,
        pipelineMs: t.totalMs,
        encodeMs: result.response.encoderRan ? t.encodeMs : null,
        lmMs: t.lmMs,
        tokens: t.tokens,
      },
    }, fresh);
  }

  private async fromCache(prep: Prepared, hit: CachedAnswer): Promise<Segmentation> {
    const { name, version } = prep.bundle.manifest;
    const features = await this.features.has(name, version, prep.image.id);
    return this.wrap(prep, hit, {
      cached: { answer: true, features },
      timings: { edgeMs: performance.now() - prep.started, pipelineMs: null, encodeMs: null,
        lmMs: null, tokens: hit.response.timings.tokens },
    });
  }

  private wrap(
    prep: Prepared,
    answer: CachedAnswer,
    facts: Pick<Segmentation, 'cached' | 'timings'>,
    /** Encoder output this request already holds: decoding then skips reading it back. */
    fresh: CachedFeatures | null = null,
  ): Segmentation {
    const { manifest } = prep.bundle;
    return new Segmentation({
      id: prep.segmentationId,
      imageId: prep.image.id,
      answer: answer.response.answer,
      labels: answer.response.targets.map((t) => t.label),
      model: { name: manifest.name, version: manifest.version },
      image: answer.response.image,
      segHidden: answer.segHidden,
      features: () => (fresh ? Promise.resolve(fresh) : this.requireFeatures(prep)),
      decoder: () => pixelDecoder(this.env.MODELS, prep.bundle),
      png: this.png,
      ...facts,
    });
  }

  /** Features for decoding; if the cache lost them, the gpu-service computes them again. */
  private async requireFeatures(prep: Prepared): Promise<CachedFeatures> {
    const cached = await this.cachedFeatures(prep);
    if (cached) return cached;
    this.logger.info('features evicted, encoding again', { imageId: prep.image.id });
    const result = await this.gpu.answer(await this.answerCall(prep, null));
    const image = result.response.image;
    if (!result.features || !image) throw new Error('gpu-service returned no features');
    const { name, version } = prep.bundle.manifest;
    const features = { ...result.features, image };
    await this.features.put(name, version, prep.image.id, features);
    return features;
  }
}
