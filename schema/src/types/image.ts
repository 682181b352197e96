/** `Image`: an uploaded image, named by the SHA-256 of its bytes. */
import { builder } from '../builder';
import type { ImageRecord } from '../context';

export const ImageFormatEnum = builder.enumType('ImageFormat', {
  description: 'Image formats the API reads (detected from the bytes, not the file name).',
  values: {
    PNG: { value: 'png' },
    JPEG: { value: 'jpeg' },
    WEBP: { value: 'webp' },
  } as const,
});

export const ImageRef = builder.objectRef<ImageRecord>('Image').implement({
  description: 'An uploaded image. Its id is the SHA-256 (hex) of the file bytes.',
  fields: (t) => ({
    id: t.exposeID('id'),
    width: t.exposeInt('width', { description: 'Width in pixels, as displayed.' }),
    height: t.exposeInt('height', { description: 'Height in pixels, as displayed.' }),
    format: t.field({ type: ImageFormatEnum, resolve: (image) => image.format }),
  }),
});
