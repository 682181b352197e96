/** Query, Mutation and Subscription fields. */
import type { GraphQLResolveInfo } from 'graphql';
import { PixloomError } from '../../../shared/src/errors';
import { visibleQuestion } from '../../../shared/src/visible-text';
import { builder } from '../builder';
import type { SegmentRequest } from '../context';
import { selectsAnyField } from '../selection';
import { ImageRef } from './image';
import { SegmentationRef } from './segmentation';
import { SegmentEventUnion } from './stream';

/** Fields whose value comes from a decoded mask. */
export const MASK_FIELDS = ['mask', 'bbox', 'area', 'score'] as const;

const IMAGE_ID = /^[0-9a-f]{64}$/;

/** Checks `segment` arguments: exactly one image source, a well-formed id. */
export function checkSegmentRequest(request: SegmentRequest): SegmentRequest {
  const hasFile = request.image !== null && request.image !== undefined;
  const hasId = request.imageId !== null && request.imageId !== undefined;
  if (hasFile === hasId) {
    throw new PixloomError('BAD_REQUEST', hasFile
      ? 'Both image and imageId were given; send exactly one of them.'
      : 'No image was given; send an image file (multipart upload) or the imageId that '
        + 'uploadImage returned.');
  }
  if (hasId && !IMAGE_ID.test(request.imageId as string)) {
    throw new PixloomError('BAD_REQUEST', 'imageId must be the 64 hex digits that uploadImage '
      + 'returned (the SHA-256 of the file bytes).');
  }
  return request;
}

function segmentRequest(args: {
  image?: File | null;
  imageId?: string | number | null;
  question: string;
}): SegmentRequest {
  const imageId = args.imageId === null || args.imageId === undefined
    ? args.imageId : String(args.imageId);
  return checkSegmentRequest({ image: args.image, imageId,
    question: visibleQuestion(args.question) });
}

builder.queryType({
  fields: (t) => ({
    image: t.field({
      type: ImageRef,
      nullable: true,
      description: 'An uploaded image by id; null if there is none.',
      args: { id: t.arg.id({ required: true }) },
      resolve: (_root, args, ctx) => ctx.pixel.image(String(args.id)),
    }),
    segment: t.field({
      type: SegmentationRef,
      description: 'Answers a question about an image and ties each object the answer names\n'
        + 'to its own mask. Give exactly one of image (multipart upload) and imageId.',
      args: {
        image: t.arg({ type: 'File', description: 'The image file (PNG, JPEG or WebP).' }),
        imageId: t.arg.id({ description: 'The id uploadImage returned.' }),
        question: t.arg.string({ required: true }),
      },
      resolve: (_root, args, ctx) => ctx.pixel.segment(segmentRequest(args)),
    }),
  }),
});

builder.mutationType({
  fields: (t) => ({
    uploadImage: t.field({
      type: ImageRef,
      description: 'Stores an image for later questions. Uploading the same bytes again returns '
        + 'the same image.',
      args: { file: t.arg({ type: 'File', required: true }) },
      resolve: (_root, args, ctx) => ctx.pixel.uploadImage(args.file),
    }),
  }),
});

builder.subscriptionType({
  fields: (t) => ({
    segmentStream: t.field({
      type: SegmentEventUnion,
      description: 'segment as a stream: answer tokens as they are generated, then each\n'
        + 'segment as soon as its mask is decoded, then the whole segmentation.',
      args: {
        image: t.arg({ type: 'File' }),
        imageId: t.arg.id(),
        question: t.arg.string({ required: true }),
      },
      subscribe: (_root, args, ctx, info: GraphQLResolveInfo) => {
        const request = segmentRequest(args);
        const decodeMasks = selectsAnyField(info, MASK_FIELDS);
        return ctx.pixel.segmentStream(request, { decodeMasks, signal: ctx.signal });
      },
      resolve: (event) => event,
    }),
  }),
});
