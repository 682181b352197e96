/**
 * Whether a PNG's image data decompresses, and to the size its header promises. The IDAT
 * chunks hold one zlib stream of filtered scanlines; it is streamed through
 * DecompressionStream('deflate') and only the decoded bytes are counted (nothing decoded is
 * kept), so a file whose chunk structure is intact but whose compressed data is corrupt, cut
 * short or padded is refused at upload instead of failing later at `segment`.
 */

/** The IHDR fields that fix the size of the decoded data. */
export interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  interlaced: boolean;
}

/** Channels of each PNG colour type: grey, RGB, palette, grey + alpha, RGBA. */
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** Bit depths each colour type allows. */
const DEPTHS: Record<number, number[]> = {
  0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16],
};

/** Adam7 passes: first column, first row, column step, row step. */
const ADAM7 = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4],
  [1, 0, 2, 2], [0, 1, 1, 2]] as const;

/** Whether the colour type and bit depth are a combination PNG defines. */
export function validPngHeader(header: PngHeader): boolean {
  return DEPTHS[header.colorType]?.includes(header.bitDepth) ?? false;
}

/**
 * Bytes of the decoded (still filtered) image data: per scanline one filter byte and the
 * packed pixels, for each Adam7 pass when interlaced.
 */
export function decodedPngSize(header: PngHeader): number {
  const bitsPerPixel = CHANNELS[header.colorType] * header.bitDepth;
  const rows = (width: number, height: number) => (width === 0 || height === 0 ? 0
    : height * (1 + Math.ceil((width * bitsPerPixel) / 8)));
  if (!header.interlaced) return rows(header.width, header.height);
  let total = 0;
  for (const [x0, y0, dx, dy] of ADAM7) {
    total += rows(Math.max(0, Math.ceil((header.width - x0) / dx)),
      Math.max(0, Math.ceil((header.height - y0) / dy)));
  }
  return total;
}

/** What the zlib stream decoded to: its length, capped just past `expected`, or an error. */
export type InflateOutcome = { ok: true; bytes: number } | { ok: false; reason: string };

/**
 * Streams the zlib data in `parts` (the IDAT payloads, in order) through a decompressor and
 * counts the output, stopping once it passes `expected` bytes.
 */
export async function inflatedLength(
  parts: Uint8Array[],
  expected: number,
): Promise<InflateOutcome> {
  const inflate = new DecompressionStream('deflate');
  const writer = inflate.writable.getWriter();
  const feeding = (async () => {
    for (const part of parts) await writer.write(part);
    await writer.close();
  })();
  // A refused stream also rejects the writes; the reader reports why.
  feeding.catch(() => undefined);

  const reader = inflate.readable.getReader();
  let bytes = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
      if (bytes > expected) {
        await reader.cancel();
        break;
      }
    }
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
  return { ok: true, bytes };
}
