/** Mask encodings: COCO RLE, a PNG file, or polygons. */
import { builder } from '../builder';
import type { MaskValue } from '../context';

export const MaskFormatEnum = builder.enumType('MaskFormat', {
  description: 'How a mask is encoded.',
  values: {
    RLE: {
      description: "COCO compressed RLE, column-major, as pycocotools' mask.decode reads it.",
    },
    PNG: { description: 'A one-channel PNG (255 inside, 0 outside) served at a URL.' },
    POLYGON: { description: 'Outlines as flat [x0, y0, x1, y1, …] lists in pixels.' },
  } as const,
});

type Rle = Extract<MaskValue, { kind: 'rle' }>;
type Png = Extract<MaskValue, { kind: 'png' }>;
type Polygon = Extract<MaskValue, { kind: 'polygon' }>;

export const RleMaskRef = builder.objectRef<Rle>('RleMask').implement({
  description: 'COCO compressed RLE: `{ size: [height, width], counts }`, column-major.',
  fields: (t) => ({
    size: t.intList({ description: '[height, width]', resolve: (m) => m.size }),
    counts: t.exposeString('counts'),
  }),
});

export const PngMaskRef = builder.objectRef<Png>('PngMask').implement({
  description: 'A PNG file of the mask, served by the edge.',
  fields: (t) => ({
    url: t.exposeString('url'),
    width: t.exposeInt('width'),
    height: t.exposeInt('height'),
  }),
});

export const PolygonMaskRef = builder.objectRef<Polygon>('PolygonMask').implement({
  description: 'Outlines of the mask: outer rings clockwise on screen, holes counter-clockwise.',
  fields: (t) => ({
    polygons: t.field({
      type: t.listRef(t.listRef('Float')),
      description: 'Each ring as a flat list [x0, y0, x1, y1, …] in pixel coordinates.',
      resolve: (m) => m.polygons,
    }),
  }),
});

export const MaskUnion = builder.unionType('Mask', {
  types: [RleMaskRef, PngMaskRef, PolygonMaskRef],
  resolveType: (mask) => {
    if (mask.kind === 'rle') return RleMaskRef;
    if (mask.kind === 'png') return PngMaskRef;
    return PolygonMaskRef;
  },
});
