/** Events of the `segmentStream` subscription. */
import { builder } from '../builder';
import type { SegmentEventRecord, SegmentRecord, SegmentationRecord } from '../context';
import { SegmentRef } from './segment';
import { SegmentationRef } from './segmentation';

type TokenEvent = Extract<SegmentEventRecord, { kind: 'token' }>;
type SegmentEvent = Extract<SegmentEventRecord, { kind: 'segment' }>;
type DoneEvent = Extract<SegmentEventRecord, { kind: 'done' }>;

const AnswerTokenRef = builder.objectRef<TokenEvent>('AnswerToken').implement({
  description: 'A piece of the answer text, sent as the language model writes it.',
  fields: (t) => ({
    text: t.exposeString('text', { description: 'Append to the text received so far.' }),
  }),
});

const SegmentDecodedRef = builder.objectRef<SegmentEvent>('SegmentDecoded').implement({
  description: 'One object of the answer, sent once its mask is decoded.',
  fields: (t) => ({
    segment: t.field({ type: SegmentRef, resolve: (e): SegmentRecord => e.segment }),
  }),
});

const SegmentationDoneRef = builder.objectRef<DoneEvent>('SegmentationDone').implement({
  description: 'The last event: the whole segmentation.',
  fields: (t) => ({
    segmentation: t.field({
      type: SegmentationRef,
      resolve: (e): SegmentationRecord => e.segmentation,
    }),
  }),
});

export const SegmentEventUnion = builder.unionType('SegmentEvent', {
  description: 'AnswerToken events, then one SegmentDecoded per object, then SegmentationDone.',
  types: [AnswerTokenRef, SegmentDecodedRef, SegmentationDoneRef],
  resolveType: (event) => {
    if (event.kind === 'token') return AnswerTokenRef;
    if (event.kind === 'segment') return SegmentDecodedRef;
    return SegmentationDoneRef;
  },
});
