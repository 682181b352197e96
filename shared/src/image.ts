/**
 * Image helpers shared by the edge and the gpu-service: the format is sniffed from the file's
 * bytes (never from a content type or a file name), the size is read from the header before
 * anything is decoded, and limits on bytes and pixels are checked. Pure TypeScript, so it runs
 * in workerd as well as in Node.
 */
import { imageSize } from 'image-size';
import { PixloomError } from './errors.js';

export type ImageFormat = 'png' | 'jpeg' | 'webp';

export const IMAGE_MIME_TYPES: Record<ImageFormat, string> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
};

export interface ImageLimits {
  /** Largest accepted file, in bytes. */
  maxBytes: number;
  /** Largest accepted width × height, in pixels. */
  maxPixels: number;
}

/** 10 MiB and 4096 × 4096 pixels (16.8 megapixels). */
export const DEFAULT_IMAGE_LIMITS: Readonly<ImageLimits> = {
  maxBytes: 10 * 1024 * 1024,
  maxPixels: 4096 * 4096,
};

export interface ImageInfo {
  format: ImageFormat;
  /** Width as displayed, i.e. after the EXIF orientation is applied. */
  width: number;
  /** Height as displayed, i.e. after the EXIF orientation is applied. */
  height: number;
  /** EXIF orientation 1–8 (1 when the file has none). 5–8 swap width and height. */
  orientation: number;
  byteLength: number;
}

const ALLOWED = 'Send a PNG, JPEG or WebP image';

/** Formats that are recognised only to name them in the error message. */
const OTHER_FORMATS: Array<[string, (b: Uint8Array) => boolean]> = [
  ['GIF', (b) => ascii(b, 0, 4) === 'GIF8'],
  ['BMP', (b) => ascii(b, 0, 2) === 'BM'],
  ['TIFF', (b) => ascii(b, 0, 4) === 'II*\0' || ascii(b, 0, 4) === 'MM\0*'],
  ['HEIF/AVIF', (b) => ascii(b, 4, 8) === 'ftyp'],
  ['SVG', (b) => /^\s*(<\?xml|<svg)/i.test(ascii(b, 0, 64))],
  ['PDF', (b) => ascii(b, 0, 5) === '%PDF-'],
];

function ascii(bytes: Uint8Array, start: number, end: number): string {
  return String.fromCharCode(...bytes.subarray(start, Math.min(end, bytes.length)));
}

/** Detects PNG, JPEG or WebP from the file signature; `null` for anything else. */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | null {
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length >= 8 && png.every((v, i) => bytes[i] === v)) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
    return 'jpeg';
  }
  if (bytes.length >= 12 && ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP') {
    return 'webp';
  }
  return null;
}

/** The smallest file whose header can hold the size (signature, IHDR / VP8 chunk header). */
const MIN_HEADER: Record<ImageFormat, number> = { png: 24, jpeg: 4, webp: 30 };

/**
 * Checks an uploaded image: byte limit, format from the bytes, width and height from the header,
 * pixel limit. Nothing is decoded.
 *
 * @throws PixloomError `IMAGE_TOO_LARGE`, `UNSUPPORTED_IMAGE` or `BAD_IMAGE`
 * @example
 * inspectImage(pngBytes) // → { format: 'png', width: 640, height: 480, orientation: 1, … }
 */
export function inspectImage(
  bytes: Uint8Array,
  limits: ImageLimits = DEFAULT_IMAGE_LIMITS,
): ImageInfo {
  if (bytes.length === 0) {
    throw new PixloomError('BAD_IMAGE', `The image file is empty. ${ALLOWED}.`);
  }
  if (bytes.length > limits.maxBytes) {
    throw new PixloomError('IMAGE_TOO_LARGE', `The image file has ${formatBytes(bytes.length)}; `
      + `send at most ${formatBytes(limits.maxBytes)} (compress or downscale it first).`);
  }

  const format = sniffImageFormat(bytes);
  if (format === null) {
    const other = OTHER_FORMATS.find(([, test]) => test(bytes))?.[0];
    const seen = other ? `The file is ${other}` : 'The file is not a PNG, JPEG or WebP image';
    throw new PixloomError('UNSUPPORTED_IMAGE',
      `${seen} (detected from its bytes). ${ALLOWED}; convert it to one of these formats.`);
  }

  const size = readSize(bytes, format);
  const orientation = size.orientation ?? 1;
  const swap = orientation >= 5 && orientation <= 8;
  const width = swap ? size.height : size.width;
  const height = swap ? size.width : size.height;

  if (width * height > limits.maxPixels) {
    throw new PixloomError('IMAGE_TOO_LARGE', `The image is ${width}×${height} pixels `
      + `(${megapixels(width * height)}); send at most ${megapixels(limits.maxPixels)} `
      + '(downscale it first).');
  }
  return { format, width, height, orientation, byteLength: bytes.length };
}

function readSize(bytes: Uint8Array, format: ImageFormat) {
  const corrupt = new PixloomError('BAD_IMAGE', `The ${format.toUpperCase()} file is truncated `
    + `or corrupt: its header has no readable width and height. ${ALLOWED} that opens in an `
    + 'image viewer.');
  if (bytes.length < MIN_HEADER[format]) throw corrupt;
  if (format === 'png' && ascii(bytes, 12, 16) !== 'IHDR') throw corrupt;

  // image-size reads through a DataView over the whole underlying buffer, so a view into a
  // larger buffer is copied first: a truncated file must not borrow bytes that follow it.
  const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  let size: ReturnType<typeof imageSize>;
  try {
    size = imageSize(own ? bytes : bytes.slice());
  } catch (cause) {
    throw new PixloomError('BAD_IMAGE', corrupt.message, { cause });
  }
  const ok = (n: number | undefined) => Number.isInteger(n) && (n as number) > 0;
  if (!ok(size.width) || !ok(size.height)) throw corrupt;
  return size;
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
}

function megapixels(pixels: number): string {
  return pixels >= 1e5 ? `${(pixels / 1e6).toFixed(1)} megapixels` : `${pixels} pixels`;
}
