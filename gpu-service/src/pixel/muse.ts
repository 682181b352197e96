/**
 * Reads MUSE-format files (PixelLM's dataset): a JSON list of records
 * `{file_name, height, width, questions, text_answers?, answers}` where `answers[q]` lists the
 * instances of question q as `{segmentation, bbox, category_name}`. Segmentations may be
 * compressed COCO RLE, uncompressed RLE (`counts` as numbers) or COCO polygons. Our held-out set
 * adds `question_families`; records without it are filed under `unknown`.
 */
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import sharp from 'sharp';
import {
  type BinaryMask, type CocoRle, countsToString, decodeRle,
} from '../../../shared/src/rle.js';
import type { RgbImage } from './preprocess.js';

export interface MuseInstance {
  segmentation: CocoRle | { size: [number, number]; counts: number[] } | number[][];
  bbox?: [number, number, number, number];
  category_name?: string;
}

export interface MuseRecord {
  file_name: string;
  height: number;
  width: number;
  questions: string[];
  text_answers?: string[];
  answers: MuseInstance[][];
  question_families?: string[];
}

export class MuseError extends Error {
  override name = 'MuseError';
  readonly code = 'BAD_REQUEST';
}

/** Loads records; image paths resolve against `imagesDir` (default: the file's folder). */
export async function loadMuse(path: string, imagesDir?: string):
Promise<Array<MuseRecord & { imagePath: string }>> {
  let records: MuseRecord[];
  try {
    records = JSON.parse(await readFile(path, 'utf8')) as MuseRecord[];
  } catch (cause) {
    throw new MuseError(`${path} cannot be read as a MUSE file (${(cause as Error).message}); `
      + 'pass the path of a MUSE-format JSON list.', { cause });
  }
  if (!Array.isArray(records)) {
    throw new MuseError(`${path} is not a JSON list of records; pass a MUSE-format file.`);
  }
  const base = imagesDir ?? dirname(path);
  return records.map((r, i) => {
    if (typeof r.file_name !== 'string' || !Array.isArray(r.questions)
      || !Array.isArray(r.answers) || r.answers.length !== r.questions.length) {
      throw new MuseError(`${path} record ${i} lacks file_name, or its questions and answers `
        + 'differ in number; fix the record.');
    }
    const imagePath = isAbsolute(r.file_name) ? r.file_name : join(base, r.file_name);
    return { ...r, imagePath };
  });
}

/** The family of question q, or `unknown` (real MUSE has no family tags). */
export function questionFamily(record: MuseRecord, q: number): string {
  return record.question_families?.[q] ?? 'unknown';
}

/** Fills a polygon (even-odd rule) sampled at pixel centres into a row-major mask. */
function fillPolygon(data: Uint8Array, width: number, height: number, poly: number[]): void {
  const n = poly.length / 2;
  for (let y = 0; y < height; y++) {
    const py = y + 0.5;
    const xs: number[] = [];
    for (let i = 0; i < n; i++) {
      const x0 = poly[2 * i]; const y0 = poly[2 * i + 1];
      const x1 = poly[2 * ((i + 1) % n)]; const y1 = poly[2 * ((i + 1) % n) + 1];
      if ((y0 > py) !== (y1 > py)) xs.push(x0 + ((py - y0) * (x1 - x0)) / (y1 - y0));
    }
    xs.sort((a, b) => a - b);
    for (let k = 0; k + 1 < xs.length; k += 2) {
      const from = Math.max(0, Math.ceil(xs[k] - 0.5));
      const to = Math.min(width - 1, Math.ceil(xs[k + 1] - 0.5) - 1);
      for (let x = from; x <= to; x++) data[y * width + x] ^= 1;
    }
  }
}

/**
 * An instance's mask at the record's size. Polygons are filled at pixel centres, which can
 * differ from pycocotools' rasterisation by a pixel along edges.
 */
export function instanceMask(inst: MuseInstance, height: number, width: number): BinaryMask {
  const seg = inst.segmentation;
  if (Array.isArray(seg)) {
    const data = new Uint8Array(width * height);
    for (const poly of seg) {
      const layer = new Uint8Array(width * height);
      fillPolygon(layer, width, height, poly);
      for (let i = 0; i < data.length; i++) data[i] |= layer[i];
    }
    return { data, width, height };
  }
  if (seg && Array.isArray(seg.size)) {
    const counts = Array.isArray(seg.counts) ? countsToString(seg.counts) : seg.counts;
    return decodeRle({ size: seg.size, counts });
  }
  throw new MuseError('An instance has no usable segmentation; give COCO RLE or polygons.');
}

/** Reads an image file as RGB (alpha dropped, like PIL's convert('RGB')). */
export async function readRgbImage(path: string): Promise<RgbImage> {
  const { data, info } = await sharp(path).removeAlpha().toColourspace('srgb').raw()
    .toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width,
    height: info.height };
}
