/**
 * The list of stories, newest first, behind `stories`. It lives in one StoryJobHub instance
 * reserved for it, named {@link STORY_INDEX_NAME} (story ids are UUIDs, so no story has that
 * name), as keys `s:<createdAt ms, 15 digits>:<id>` in that object's storage.
 *
 * Why a Durable Object: its storage is strongly consistent and lists keys in order, forwards
 * or in reverse, between bounds, so a story is listed as soon as createStory returns and a
 * page from either end is one `list` call. A KV listing can miss new keys for up to a minute,
 * and one KV key holding the whole list would drop entries when two createStory calls write
 * it at once. It is an instance of the jobs' class rather than a class of its own so that it
 * needs no binding or migration beyond theirs.
 *
 * Limit: one object takes every createStory's write and every page read; Cloudflare documents a
 * soft limit of about a thousand requests a second per object, far above the rate at which
 * stories can be made.
 *
 * Routes (called through the binding's stub):
 *   POST /index/add   { id, createdAt }     GET /index/page?after=&before=&limit=&fromOldest=1
 * where after and before are `<createdAt ms>:<id>` places and a page is a JSON list of ids.
 */
import type { StoryPageRequest, StoryPosition } from '../../../schema/src/story-context';

export const STORY_INDEX_NAME = 'story-index';
export const STORY_INDEX_PATH = '/index/';

const PREFIX = 's:';
/** Just past every `s:` key (`;` follows `:`). */
const PREFIX_END = 's;';

function keyOf(place: StoryPosition): string {
  return `${PREFIX}${String(place.createdAt).padStart(15, '0')}:${place.id}`;
}

function placeParam(place: StoryPosition | undefined): string {
  return place ? `${place.createdAt}:${place.id}` : '';
}

function readPlace(text: string | null): StoryPosition | undefined {
  const match = /^(\d{1,15}):([0-9a-f-]{36})$/.exec(text ?? '');
  return match ? { createdAt: Number(match[1]), id: match[2] } : undefined;
}

/** The internal URL of a page request, for the index object's stub. */
export function pageUrl(page: StoryPageRequest): string {
  const query = new URLSearchParams({ after: placeParam(page.after),
    before: placeParam(page.before), limit: String(page.limit),
    fromOldest: page.fromOldest ? '1' : '0' });
  return `https://hub${STORY_INDEX_PATH}page?${query}`;
}

/** The index's side: handles `/index/…` requests with the object's storage. */
export class StoryIndex {
  constructor(private readonly storage: DurableObjectStorage) {}

  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const route = url.pathname.slice(STORY_INDEX_PATH.length);
    if (route === 'add' && request.method === 'POST') {
      const { id, createdAt } = (await request.json()) as { id: string; createdAt: string };
      await this.storage.put(keyOf({ createdAt: Date.parse(createdAt), id }), id);
      return Response.json({ ok: true });
    }
    if (route === 'page' && request.method === 'GET') {
      const q = url.searchParams;
      return Response.json(await this.page({
        after: readPlace(q.get('after')), before: readPlace(q.get('before')),
        limit: Math.max(0, Math.min(Number(q.get('limit')) || 0, 1000)),
        fromOldest: q.get('fromOldest') === '1',
      }));
    }
    return new Response('Not found', { status: 404 });
  }

  /**
   * Ids of one page. The list runs newest first, so `after` (older stories) bounds the keys
   * from above and `before` (newer stories) from below.
   */
  async page(page: StoryPageRequest): Promise<string[]> {
    if (page.limit === 0) return [];
    const listed = await this.storage.list<string>({
      ...(page.before ? { startAfter: keyOf(page.before) } : { start: PREFIX }),
      end: page.after ? keyOf(page.after) : PREFIX_END,
      reverse: !page.fromOldest,
      limit: page.limit,
    });
    return [...listed.values()];
  }
}
