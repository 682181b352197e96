/** Where a story's files live in R2 and how the Worker serves them (`/stories/<id>/<file>`). */
import { encode } from 'fast-png';

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

/** Serves `/stories/<id>/<file>` from R2 with its content type. */
export async function serveStoryFile(bucket: R2Bucket, path: string): Promise<Response> {
  const match = FILE.exec(path);
  if (!match) return new Response('Not found', { status: 404 });
  const object = await bucket.get(storyKey(match[1], match[2]));
  if (object === null) return new Response('Not found', { status: 404 });
  const ext = match[2].split('.').pop() as string;
  const file = match[2];
  return new Response(object.body, {
    headers: {
      'content-type': object.httpMetadata?.contentType ?? TYPES[ext],
      'content-length': String(object.size),
      'cache-control': 'public, max-age=31536000, immutable',
      'content-disposition': `inline; filename="story-${match[1].slice(0, 8)}-${file}"`,
      etag: object.httpEtag,
    },
  });
}
