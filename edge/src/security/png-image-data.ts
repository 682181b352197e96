/**
 * Whether a PNG's image data decompresses, and to the size its header promises. The IDAT
 * chunks hold one zlib stream of filtered scanlines; it is streamed through
 * DecompressionStream('deflate') and only the decoded bytes are counted (nothing decoded is
 * kept), so a file whose chunk structure is intact but whose compressed data is corrupt, cut
 * short or too short for its header is refused at upload instead of failing later at
 * `segment`.
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

/** Input is fed in pieces of this size, so that a failed write names where it failed. */
const PIECE_BYTES = 4096;

interface Run {
  bytes: number;
  /** Why the decompressor refused the data, and the index of the first piece it refused. */
  failure: { reason: string; piece: number } | null;
}

/** Feeds `pieces` through one decompressor and counts its output, up to just past `limit`. */
async function inflate(pieces: Uint8Array[], limit: number): Promise<Run> {
  const inflater = new DecompressionStream('deflate');
  const writer = inflater.writable.getWriter();
  let refused = -1;
  const feeding = (async () => {
    for (let i = 0; i < pieces.length; i++) {
      refused = i;
      await writer.write(pieces[i]);
    }
    refused = -1;
    await writer.close();
  })();
  // A refused stream also rejects the writes; the reader reports why.
  feeding.catch(() => undefined);

  const reader = inflater.readable.getReader();
  let bytes = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { bytes, failure: null };
      bytes += value.byteLength;
      if (bytes > limit) {
        await reader.cancel();
        return { bytes, failure: null };
      }
    }
  } catch (error) {
    await feeding.catch(() => undefined);
    const reason = error instanceof Error ? error.message : String(error);
    return { bytes, failure: { reason, piece: Math.max(0, refused) } };
  }
}

function split(parts: Uint8Array[], size: number): Uint8Array[] {
  return parts.flatMap((part) => Array.from({ length: Math.ceil(part.length / size) },
    (_, i) => part.subarray(i * size, (i + 1) * size)));
}

const isTrailing = (reason: string) => /trailing/i.test(reason);

/**
 * Streams the zlib data in `parts` (the IDAT payloads, in order) through a decompressor and
 * counts the output, stopping once it passes `expected` bytes.
 *
 * Bytes after the end of the zlib stream are ignored, as PNG decoders (libspng in the
 * gpu-service's sharp among them) ignore them. workerd's decompressor refuses them instead,
 * and drops the output of the write that held the end of the stream; that happens only for
 * such files, and the data is then fed again with the pieces around the end one byte at a
 * time, so that every decoded byte is counted.
 */
export async function inflatedLength(
  parts: Uint8Array[],
  expected: number,
): Promise<InflateOutcome> {
  const pieces = split(parts, PIECE_BYTES);
  const first = await inflate(pieces, expected);
  if (!first.failure) return { ok: true, bytes: first.bytes };
  if (!isTrailing(first.failure.reason)) return { ok: false, reason: first.failure.reason };

  const from = Math.max(0, first.failure.piece - 1);
  const end = pieces.slice(from, first.failure.piece + 1);
  const again = await inflate([...pieces.slice(0, from), ...split(end, 1)], expected);
  if (again.failure && !isTrailing(again.failure.reason)) {
    return { ok: false, reason: again.failure.reason };
  }
  return { ok: true, bytes: again.bytes };
}
