/** `Segment`: one object the answer names, with its mask and the facts derived from it. */
import { PixloomError } from '../../../shared/src/errors';
import { builder } from '../builder';
import type { BoundingBox, MaskRequest, SegmentRecord } from '../context';
import { MaskFormatEnum, MaskUnion } from './mask';

/** Largest side a mask may be rendered at. */
export const MAX_MASK_SIDE = 4096;

export const BoundingBoxRef = builder.objectRef<BoundingBox>('BoundingBox').implement({
  description: 'Smallest box holding the mask, in pixels (COCO: x, y of the top-left corner).',
  fields: (t) => ({
    x: t.exposeInt('x'),
    y: t.exposeInt('y'),
    width: t.exposeInt('width'),
    height: t.exposeInt('height'),
  }),
});

/** Checks the `mask` arguments; throws BAD_REQUEST with a sentence saying what is allowed. */
export function checkMaskRequest(request: MaskRequest): MaskRequest {
  for (const side of ['width', 'height'] as const) {
    const value = request[side];
    if (value !== null && value !== undefined && (value < 1 || value > MAX_MASK_SIDE)) {
      throw new PixloomError('BAD_REQUEST', `mask ${side} is ${value}; ask for 1 to `
        + `${MAX_MASK_SIDE} pixels, or leave it out to get the image's own ${side}.`);
    }
  }
  if (!(request.threshold > 0 && request.threshold < 1)) {
    throw new PixloomError('BAD_REQUEST', `mask threshold is ${request.threshold}; give a `
      + 'probability between 0 and 1 (exclusive), e.g. 0.5.');
  }
  return request;
}

export const SegmentRef = builder.objectRef<SegmentRecord>('Segment').implement({
  description: 'One object named by the answer. Its mask is decoded at the edge only when\n'
    + 'mask, bbox, area or score is selected.',
  fields: (t) => ({
    index: t.exposeInt('index', { description: 'Position of the object in the answer.' }),
    label: t.exposeString('label', { description: "The answer's phrase for this object." }),
    score: t.float({
      description: 'Predicted mask quality in [0, 1].',
      resolve: async (segment) => (await segment.stats()).score,
    }),
    area: t.int({
      description: "Mask pixels at the image's own size (threshold 0.5).",
      resolve: async (segment) => (await segment.stats()).area,
    }),
    bbox: t.field({
      type: BoundingBoxRef,
      nullable: true,
      description: "Bounding box at the image's own size (threshold 0.5); null if empty.",
      resolve: async (segment) => (await segment.stats()).bbox,
    }),
    mask: t.field({
      type: MaskUnion,
      description: 'The mask, encoded as asked.',
      args: {
        format: t.arg({ type: MaskFormatEnum, defaultValue: 'RLE', required: true }),
        width: t.arg.int({ description: "Output width; the image's width when absent." }),
        height: t.arg.int({ description: "Output height; the image's height when absent." }),
        threshold: t.arg.float({
          defaultValue: 0.5,
          required: true,
          description: 'Probability above which a pixel is inside the mask.',
        }),
      },
      resolve: (segment, args) => segment.mask(checkMaskRequest(args)),
    }),
  }),
});
