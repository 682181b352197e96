/**
 * Whether an image file is complete and its data readable, checked at upload. A PNG is a chain
 * of chunks from IHDR to IEND whose IDAT data must decompress to the size IHDR gives
 * (png-image-data.ts; nothing decoded is kept; data past that size is ignored, as decoders
 * ignore it). A JPEG's markers must lead from SOI through a
 * frame header to a start of scan, and the file must end with EOI. A WebP's RIFF header must
 * state the file's length and its chunks must fill it, one of them holding image data. The
 * header checks of shared/src/image.ts read only the start of a file; these catch files cut
 * short, padded with other bytes or corrupted inside, which would otherwise be stored and fail
 * only when decoded. JPEG and WebP data are not decoded here: their entropy-coded data has no
 * checksum, so only a decoder could tell, at the cost of a decode per upload.
 */
import { PixloomError } from '../../../shared/src/errors';
import type { ImageFormat } from '../../../shared/src/image';
import { decodedPngSize, inflatedLength, validPngHeader, type PngHeader }
  from './png-image-data';

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

function u32le(bytes: Uint8Array, at: number): number {
  return (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24)) >>> 0;
}

function pngHeader(bytes: Uint8Array, at: number, length: number): PngHeader {
  if (length !== 13) throw corrupt('png', `its IHDR chunk has ${length} bytes, not 13`);
  const header = { width: u32(bytes, at + 8), height: u32(bytes, at + 12),
    bitDepth: bytes[at + 16], colorType: bytes[at + 17], interlaced: bytes[at + 20] === 1 };
  if (!validPngHeader(header) || bytes[at + 18] !== 0 || bytes[at + 19] !== 0
    || bytes[at + 20] > 1) {
    throw corrupt('png', `its header names colour type ${header.colorType} at `
      + `${header.bitDepth} bits, or a compression, filter or interlace method PNG lacks`);
  }
  return header;
}

/** Checks that the IDAT data decompresses to at least the size `header` gives. */
async function checkPngData(header: PngHeader, data: Uint8Array[]): Promise<void> {
  const expected = decodedPngSize(header);
  const outcome = await inflatedLength(data, expected);
  if (!outcome.ok) {
    throw corrupt('png', `its compressed image data cannot be decompressed: ${outcome.reason}`);
  }
  // Data past the expected size is ignored by decoders, as it is here.
  if (outcome.bytes < expected) {
    throw corrupt('png', `its image data decompresses to ${outcome.bytes} bytes where its `
      + `header needs ${expected}`);
  }
}

/** Walks PNG chunks (length, type, data, CRC) from the signature to IEND, then the data. */
async function checkPng(bytes: Uint8Array): Promise<void> {
  let at = 8;
  let header: PngHeader | null = null;
  const data: Uint8Array[] = [];
  while (at + 12 <= bytes.length) {
    const length = u32(bytes, at);
    const type = chunkType(bytes, at + 4);
    if (!/^[A-Za-z]{4}$/.test(type)) throw corrupt('png', `a chunk at byte ${at} has no name`);
    if (!header && type !== 'IHDR') throw corrupt('png', 'the first chunk is not IHDR');
    const end = at + 12 + length;
    if (end > bytes.length) throw corrupt('png', `the ${type} chunk runs past the end`);
    if (type === 'IHDR') header ??= pngHeader(bytes, at, length);
    if (type === 'IDAT') data.push(bytes.subarray(at + 8, at + 8 + length));
    if (type === 'IEND') {
      if (data.length === 0) throw corrupt('png', 'it has no image data');
      return checkPngData(header as PngHeader, data);
    }
    at = end;
  }
  throw corrupt('png', 'it ends before its IEND chunk');
}

/** Start-of-frame markers: C0–CF except DHT (C4), JPG (C8) and DAC (CC). */
const isFrameMarker = (m: number) => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8
  && m !== 0xcc;

/**
 * The byte after the first start-of-scan header, walking the marker segments from SOI; a
 * frame header must come first.
 */
function firstScan(bytes: Uint8Array): number {
  let at = 2;
  let frame = false;
  for (;;) {
    if (at + 4 > bytes.length) throw corrupt('jpeg', 'it ends before its image data');
    if (bytes[at] !== 0xff) throw corrupt('jpeg', `there is no marker at byte ${at}`);
    const marker = bytes[at + 1];
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    if (marker === 0xd9) throw corrupt('jpeg', 'it ends before its image data');
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
      at += 2; // markers without a length
      continue;
    }
    const length = (bytes[at + 2] << 8) | bytes[at + 3];
    if (length < 2) throw corrupt('jpeg', `the segment at byte ${at} has length ${length}`);
    if (isFrameMarker(marker)) frame = true;
    at += 2 + length;
    if (marker === 0xda) {
      if (!frame) throw corrupt('jpeg', 'its image data comes before any frame header');
      if (at > bytes.length) throw corrupt('jpeg', 'it ends inside its scan header');
      return at;
    }
  }
}

/**
 * A JPEG reaches a start of scan after a frame header and ends with the EOI marker FF D9 (some
 * writers pad a few bytes after it).
 */
function checkJpeg(bytes: Uint8Array): void {
  const scan = firstScan(bytes);
  const from = Math.max(scan, bytes.length - 64);
  for (let i = bytes.length - 2; i >= from; i--) {
    if (bytes[i] === 0xff && bytes[i + 1] === 0xd9) return;
  }
  throw corrupt('jpeg', 'it has no end-of-image marker');
}

/** WebP chunks that hold image data: lossy, lossless, an animation frame. */
const WEBP_IMAGE_CHUNKS = new Set(['VP8 ', 'VP8L', 'ANMF']);

/**
 * The RIFF size field counts every byte after the first 8 (plus one pad byte if odd); the
 * chunks after "WEBP" (four-letter name, little-endian size, data padded to even) fill it.
 */
function checkWebp(bytes: Uint8Array): void {
  const stated = u32le(bytes, 4);
  const actual = bytes.length - 8;
  if (stated !== actual && stated + 1 !== actual) {
    throw corrupt('webp', `its header states ${stated + 8} bytes, the file has ${bytes.length}`);
  }
  const end = Math.min(bytes.length, 8 + stated);
  let at = 12;
  let image = false;
  while (at + 8 <= end) {
    const name = chunkType(bytes, at);
    const size = u32le(bytes, at + 4);
    if (at + 8 + size > end) throw corrupt('webp', `the ${name} chunk runs past the end`);
    if (WEBP_IMAGE_CHUNKS.has(name)) image = true;
    at += 8 + size + (size & 1);
  }
  if (end - at > 1) throw corrupt('webp', `${end - at} bytes at its end belong to no chunk`);
  if (!image) throw corrupt('webp', 'it has no image data');
}

/**
 * Checks that a file already sniffed as `format` is complete and, for PNG, that its image
 * data decompresses to the size its header gives.
 *
 * @throws PixloomError `BAD_IMAGE`
 */
export async function checkImageIntegrity(bytes: Uint8Array, format: ImageFormat):
Promise<void> {
  if (format === 'png') await checkPng(bytes);
  else if (format === 'jpeg') checkJpeg(bytes);
  else checkWebp(bytes);
}
