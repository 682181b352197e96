/** `Segmentation`: the answer to a question about an image, with one segment per object. */
import { builder } from '../builder';
import type { SegmentationRecord, SegmentationTimings } from '../context';
import { SegmentRef } from './segment';

const ModelRef = builder.objectRef<SegmentationRecord['model']>('ModelInfo').implement({
  description: 'The model bundle that produced a result.',
  fields: (t) => ({
    name: t.exposeString('name'),
    version: t.exposeString('version', { description: 'Goes into every cache key.' }),
  }),
});

const CacheStatusRef = builder.objectRef<SegmentationRecord['cached']>('CacheStatus').implement({
  description: 'Which edge caches served this result.',
  fields: (t) => ({
    answer: t.exposeBoolean('answer', {
      description: 'The answer and seg embeddings came from the cache: no gpu-service call.',
    }),
    features: t.exposeBoolean('features', {
      description: 'The image features came from the cache: the image encoder did not run.',
    }),
  }),
});

interface TimingsParent {
  timings: SegmentationTimings;
  record: SegmentationRecord;
}

const TimingsRef = builder.objectRef<TimingsParent>('Timings').implement({
  description: 'Where the time went, in milliseconds.',
  fields: (t) => ({
    edgeMs: t.float({
      description: 'Time the edge spent getting the answer (caches and gpu-service call).',
      resolve: (p) => p.timings.edgeMs,
    }),
    pipelineMs: t.float({
      nullable: true,
      description: "The gpu-service pipeline's own time; null when it was not called.",
      resolve: (p) => p.timings.pipelineMs,
    }),
    encodeMs: t.float({
      nullable: true,
      description: 'Image encoder time; null when the encoder did not run.',
      resolve: (p) => p.timings.encodeMs,
    }),
    lmMs: t.float({
      nullable: true,
      description: 'Language model time; null when the gpu-service was not called.',
      resolve: (p) => p.timings.lmMs,
    }),
    tokens: t.int({
      description: 'Tokens generated for the answer.',
      resolve: (p) => p.timings.tokens,
    }),
    decodeMs: t.float({
      nullable: true,
      description: 'Pixel decoder time at the edge: null when no mask field was selected, 0\n'
        + 'when the masks an identical recent query decoded were reused.',
      resolve: (p) => p.record.decodeMs(),
    }),
  }),
});

export const SegmentationRef = builder.objectRef<SegmentationRecord>('Segmentation').implement({
  description: 'An answer about an image, each object it names tied to its own mask.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Same image, question and model give the same id.' }),
    imageId: t.exposeID('imageId'),
    answer: t.exposeString('answer', { description: 'The answer text.' }),
    segments: t.field({
      type: [SegmentRef],
      description: 'One segment per object the answer names, in answer order.',
      resolve: (s) => s.segments,
    }),
    model: t.field({ type: ModelRef, resolve: (s) => s.model }),
    timings: t.field({ type: TimingsRef, resolve: (s) => ({ timings: s.timings, record: s }) }),
    cached: t.field({ type: CacheStatusRef, resolve: (s) => s.cached }),
  }),
});
