/**
 * Image files whose container looks whole but whose content is not, made from the valid
 * fixtures: PNGs whose IDAT data is corrupt, cut short or too short (chunk CRCs recomputed, so
 * only decompressing the data can tell), JPEGs without a start of scan or with
 * a broken marker chain, WebPs whose chunks do not fill the file or hold no image.
 */
import { crc32, deflateSync, inflateSync } from 'node:zlib';

export interface CorruptImage {
  name: string;
  bytes: Uint8Array;
  type: string;
  /** What the BAD_IMAGE message names. */
  message: RegExp;
}

interface Chunk {
  type: string;
  data: Buffer;
}

function pngChunks(png: Uint8Array): Chunk[] {
  const bytes = Buffer.from(png);
  const chunks: Chunk[] = [];
  for (let at = 8; at + 12 <= bytes.length;) {
    const length = bytes.readUInt32BE(at);
    chunks.push({ type: bytes.toString('latin1', at + 4, at + 8),
      data: bytes.subarray(at + 8, at + 8 + length) });
    at += 12 + length;
  }
  return chunks;
}

/** A PNG of `chunks`, each with its length and a correct CRC. */
function pngOf(chunks: Chunk[]): Uint8Array {
  const parts = [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])];
  for (const { type, data } of chunks) {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
    parts.push(head, data, crc);
  }
  return new Uint8Array(Buffer.concat(parts));
}

/** `png` with its IDAT data replaced by what `edit` makes of it. */
function withIdat(png: Uint8Array, edit: (zlib: Buffer) => Buffer): Uint8Array {
  return pngOf(pngChunks(png).map((c) => (c.type === 'IDAT' ? { ...c, data: edit(c.data) }
    : c)));
}

/**
 * PNGs that decoders read although they are not tidy: bytes after the end of the zlib stream
 * inside IDAT, or an image data stream one row longer than the header needs.
 */
export function untidyPngs(png: Uint8Array): Array<{ name: string; bytes: Uint8Array }> {
  const row = 1 + 24 * 3;
  return [
    { name: 'PNG with bytes after its zlib stream',
      bytes: withIdat(png, (z) => Buffer.concat([z, Buffer.from([1, 2, 3, 4, 5, 6])])) },
    { name: 'PNG whose image data has an extra row', bytes: withIdat(png, (z) => deflateSync(
      Buffer.concat([inflateSync(z), inflateSync(z).subarray(0, row)]))) },
  ];
}

/** The corrupt variants of the valid 24 × 16 RGB PNG, JPEG and WebP fixtures. */
export function corruptImages(ok: { png: Uint8Array; jpeg: Uint8Array; webp: Uint8Array }):
CorruptImage[] {
  const png = 'image/png';
  const raw = (zlib: Buffer) => inflateSync(zlib);
  const row = 1 + 24 * 3;
  const jpeg = Buffer.from(ok.jpeg);
  const sos = jpeg.indexOf(Buffer.from([0xff, 0xda]));
  // The first Huffman table, after the frame header (whose size the header checks read).
  const table = jpeg.indexOf(Buffer.from([0xff, 0xc4]));
  const webp = Buffer.from(ok.webp);
  const grown = Buffer.from(webp);
  grown.writeUInt32LE(webp.readUInt32LE(16) + 100, 16);
  // An extended header that gives the size, and no image chunk after it.
  const headerOnly = Buffer.concat([Buffer.from('RIFF\x16\x00\x00\x00WEBPVP8X\x0a\x00\x00\x00',
    'latin1'), Buffer.from([0, 0, 0, 0, 23, 0, 0, 15, 0, 0])]);
  return [
    { name: 'PNG whose IDAT bytes are flipped (CRC recomputed)', type: png,
      message: /compressed image data cannot be decompressed|decompresses to/,
      bytes: withIdat(ok.png, (z) => Buffer.from(z.map((b, i) => (i >= 4 && i < z.length - 6
        ? b ^ 0x5a : b)))) },
    { name: 'PNG whose checksum of the image data is wrong', type: png,
      message: /cannot be decompressed/, bytes: withIdat(ok.png, (z) => Buffer.concat([
        z.subarray(0, z.length - 1), Buffer.from([z[z.length - 1] ^ 0xff])])) },
    { name: 'PNG whose zlib stream is cut in half', type: png, message: /cannot be decompressed/,
      bytes: withIdat(ok.png, (z) => z.subarray(0, z.length >> 1)) },
    { name: 'PNG whose image data is one row short', type: png,
      message: new RegExp(`decompresses to ${16 * row - row} bytes where its header needs `
        + `${16 * row}`),
      bytes: withIdat(ok.png, (z) => deflateSync(raw(z).subarray(0, 15 * row))) },
    { name: 'PNG whose image data is one row short, with bytes after its zlib stream', type: png,
      message: new RegExp(`decompresses to ${15 * row} bytes where`),
      bytes: withIdat(ok.png, (z) => Buffer.concat([deflateSync(raw(z).subarray(0, 15 * row)),
        Buffer.from([9, 9, 9])])) },
    { name: 'JPEG without a start of scan', type: 'image/jpeg',
      message: /ends before its image data/,
      bytes: new Uint8Array(Buffer.concat([jpeg.subarray(0, sos), Buffer.from([0xff, 0xd9])])) },
    { name: 'JPEG whose Huffman table lost its marker', type: 'image/jpeg',
      message: new RegExp(`no marker at byte ${table}`),
      bytes: new Uint8Array(Buffer.concat([jpeg.subarray(0, table), Buffer.from([0, 0]),
        jpeg.subarray(table + 2)])) },
    { name: 'WebP whose image chunk runs past the end', type: 'image/webp',
      message: /chunk runs past the end/, bytes: new Uint8Array(grown) },
    { name: 'WebP with a VP8X header and no image chunk', type: 'image/webp',
      message: /no image data/, bytes: new Uint8Array(headerOnly) },
  ];
}
