/**
 * Whether an image file is complete, from its container structure alone (nothing is
 * decompressed): a PNG is a chain of chunks from IHDR to IEND, a JPEG ends with its EOI
 * marker, a WebP's RIFF header states the file's length. The header checks of
 * shared/src/image.ts read only the start of a file; these catch files cut short or padded
 * with other bytes, which would otherwise be stored and fail only when decoded.
 */
import { PixloomError } from '../../../shared/src/errors';
import type { ImageFormat } from '../../../shared/src/image';

const FIX = 'send the complete file, as saved by an image editor or camera.';

function corrupt(format: ImageFormat, what: string): PixloomError {
  return new PixloomError('BAD_IMAGE', `The ${format.toUpperCase()} file is truncated or `
    + `corrupt (${what}); ${FIX}`);
}

function u32(bytes: Uint8Array, at: number): number {
  return ((bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]) >>> 0;
}

function chunkType(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]);
}

/** Walks PNG chunks (length, type, data, CRC) from the signature to IEND. */
function checkPng(bytes: Uint8Array): void {
  let at = 8;
  let first = true;
  let sawData = false;
  while (at + 12 <= bytes.length) {
    const length = u32(bytes, at);
    const type = chunkType(bytes, at + 4);
    if (!/^[A-Za-z]{4}$/.test(type)) throw corrupt('png', `a chunk at byte ${at} has no name`);
    if (first && type !== 'IHDR') throw corrupt('png', 'the first chunk is not IHDR');
    first = false;
    const end = at + 12 + length;
    if (end > bytes.length) throw corrupt('png', `the ${type} chunk runs past the end`);
    if (type === 'IDAT') sawData = true;
    if (type === 'IEND') {
      if (!sawData) throw corrupt('png', 'it has no image data');
      return;
    }
    at = end;
  }
  throw corrupt('png', 'it ends before its IEND chunk');
}

/** A JPEG ends with the EOI marker FF D9 (some writers pad a few bytes after it). */
function checkJpeg(bytes: Uint8Array): void {
  const from = Math.max(2, bytes.length - 64);
  for (let i = bytes.length - 2; i >= from; i--) {
    if (bytes[i] === 0xff && bytes[i + 1] === 0xd9) return;
  }
  throw corrupt('jpeg', 'it has no end-of-image marker');
}

/** The RIFF size field counts every byte after the first 8 (plus one pad byte if odd). */
function checkWebp(bytes: Uint8Array): void {
  const stated = (bytes[4] | (bytes[5] << 8) | (bytes[6] << 16) | (bytes[7] << 24)) >>> 0;
  const actual = bytes.length - 8;
  if (stated !== actual && stated + 1 !== actual) {
    throw corrupt('webp', `its header states ${stated + 8} bytes, the file has ${bytes.length}`);
  }
}

/**
 * Checks that a file already sniffed as `format` is structurally complete.
 *
 * @throws PixloomError `BAD_IMAGE`
 */
export function checkImageIntegrity(bytes: Uint8Array, format: ImageFormat): void {
  if (format === 'png') checkPng(bytes);
  else if (format === 'jpeg') checkJpeg(bytes);
  else checkWebp(bytes);
}
