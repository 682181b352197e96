/** Uploaded images in R2, named by the SHA-256 of their bytes. */
import { PixloomError } from '../../../shared/src/errors';
import { IMAGE_MIME_TYPES, inspectImage, type ImageFormat, type ImageLimits }
  from '../../../shared/src/image';
import type { ImageRecord } from '../../../schema/src/context';
import { checkImageIntegrity } from '../security/image-integrity';
import { imageKey, sha256Hex } from './keys';

const FORMATS: ReadonlySet<string> = new Set(['png', 'jpeg', 'webp']);

function recordFrom(id: string, object: R2Object): ImageRecord | null {
  const meta = object.customMetadata ?? {};
  const width = Number(meta.width);
  const height = Number(meta.height);
  if (!FORMATS.has(meta.format ?? '') || !(width > 0) || !(height > 0)) return null;
  return { id, width, height, format: meta.format as ImageFormat };
}

export class ImageStore {
  constructor(private readonly bucket: R2Bucket, private readonly limits: ImageLimits) {}

  /**
   * Checks an uploaded file (format from its bytes, byte and pixel limits) and stores it once.
   *
   * @throws PixloomError `IMAGE_TOO_LARGE`, `UNSUPPORTED_IMAGE` or `BAD_IMAGE`
   */
  async ingest(file: File): Promise<{ image: ImageRecord; bytes: Uint8Array }> {
    const bytes = new Uint8Array(await file.arrayBuffer());
    const info = inspectImage(bytes, this.limits);
    await checkImageIntegrity(bytes, info.format);
    const id = await sha256Hex(bytes);
    const image: ImageRecord = { id, width: info.width, height: info.height, format: info.format };

    if ((await this.bucket.head(imageKey(id))) === null) {
      await this.bucket.put(imageKey(id), bytes, {
        httpMetadata: { contentType: IMAGE_MIME_TYPES[info.format] },
        customMetadata: { format: info.format, width: String(info.width),
          height: String(info.height) },
      });
    }
    return { image, bytes };
  }

  /** The stored image's facts, or `null` if no image has this id. */
  async find(id: string): Promise<ImageRecord | null> {
    const object = await this.bucket.head(imageKey(id));
    return object === null ? null : recordFrom(id, object);
  }

  /** Like {@link find}, but a missing image is a NOT_FOUND error a client can act on. */
  async require(id: string): Promise<ImageRecord> {
    const image = await this.find(id);
    if (image === null) {
      throw new PixloomError('NOT_FOUND', `There is no image with id ${id}; upload it with `
        + 'uploadImage first, or send the file itself as the image argument.');
    }
    return image;
  }

  /** The stored file bytes. */
  async bytes(id: string): Promise<Uint8Array> {
    const object = await this.bucket.get(imageKey(id));
    if (object === null) {
      throw new PixloomError('NOT_FOUND', `The image ${id} is no longer stored; upload it `
        + 'again with uploadImage.');
    }
    return new Uint8Array(await object.arrayBuffer());
  }
}
