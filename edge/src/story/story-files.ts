/** Where a story's files live in R2 and how the Worker serves them (`/stories/<id>/<file>`). */
import { encode } from 'fast-png';
import { serveR2File } from '../r2-files';

export const STORIES_PATH = '/stories/';

const FILE = /^([0-9a-f-]{36})\/((?:keyframe|frame)-\d{1,4}\.png|page\.png|video\.webp)$/;

const TYPES: Record<string, string> = { png: 'image/png', webp: 'image/webp' };

/** R2 key of a story file, e.g. `stories/<id>/keyframe-0.png`. */
export function storyKey(id: string, file: string): string {
  return `stories/${id}/${file}`;
}

/** Encodes RGB pixels (HWC) as PNG. */
export function rgbPng(data: Uint8Array, width: number, height: number): Uint8Array {
  return encode({ width, height, data, channels: 3, depth: 8 });
}

/** Serves `/stories/<id>/<file>` from R2 with its content type, ranges and conditions. */
export async function serveStoryFile(bucket: R2Bucket, path: string, request: Request):
Promise<Response> {
  const match = FILE.exec(path);
  if (!match) return new Response('Not found', { status: 404 });
  const file = match[2];
  return serveR2File(bucket, storyKey(match[1], file), request, {
    contentType: TYPES[file.split('.').pop() as string],
    disposition: `inline; filename="story-${match[1].slice(0, 8)}-${file}"`,
  });
}
