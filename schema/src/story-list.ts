/**
 * `stories`: every story created on this edge, newest first, as a Relay cursor connection
 * (edges, node, cursor, pageInfo; first/after forwards, last/before backwards). A cursor is a
 * place in the list (creation time, then id), so a page stays right while stories are added.
 */
import { decodeBase64, encodeBase64 } from '@pothos/core';
import { resolveCursorConnection, type DefaultConnectionArguments } from '@pothos/plugin-relay';
import { PixloomError } from '../../shared/src/errors';
import { builder } from './builder';
import type { StoryPosition, StoryRecord } from './story-context';
import { STORY_ID, StoryRef } from './story-types';

/** Stories in a page when neither first nor last is given. */
export const DEFAULT_STORIES_PAGE = 20;
/** The most stories one page holds; a larger first or last is cut to this. */
export const MAX_STORIES_PAGE = 100;

const CURSOR_PREFIX = 'StoryCursor';

/** The cursor of a story: `base64("StoryCursor:<createdAt ms>:<id>")`. */
export function storyCursor(story: StoryRecord): string {
  return encodeBase64(`${CURSOR_PREFIX}:${Date.parse(story.createdAt)}:${story.id}`);
}

/** The place a cursor names, or a `BAD_REQUEST` error naming the argument. */
export function readStoryCursor(cursor: string, arg: 'after' | 'before'): StoryPosition {
  let parts: string[] = [];
  try {
    parts = decodeBase64(cursor).split(':');
  } catch {
    // Reported below with the other malformed cursors.
  }
  const [prefix, time, id] = parts;
  const createdAt = Number(time);
  if (parts.length !== 3 || prefix !== CURSOR_PREFIX || !/^\d{1,15}$/.test(time)
    || !STORY_ID.test(id)) {
    throw new PixloomError('BAD_REQUEST', `${arg} is not a cursor of stories; send a cursor `
      + 'from an edge or the pageInfo of an earlier stories page.');
  }
  return { createdAt, id };
}

function checkPageArgs(args: DefaultConnectionArguments): void {
  for (const name of ['first', 'last'] as const) {
    const value = args[name];
    if (value !== null && value !== undefined && value < 0) {
      throw new PixloomError('BAD_REQUEST', `${name} is ${value}; ask for 0 or more stories `
        + `(at most ${MAX_STORIES_PAGE} come in one page).`);
    }
  }
  if (args.first != null && args.last != null) {
    throw new PixloomError('BAD_REQUEST', 'Send first (with after) to page forwards or last '
      + '(with before) to page backwards, not both.');
  }
}

builder.queryField('stories', (t) => t.connection({
  type: StoryRef,
  description: 'Stories created on this edge, newest first. Page forwards with first and\n'
    + `after, backwards with last and before: ${DEFAULT_STORIES_PAGE} stories when neither is\n`
    + `given, at most ${MAX_STORIES_PAGE} in one page.`,
  resolve: async (_root, args, ctx) => {
    checkPageArgs(args);
    const connection = await resolveCursorConnection<Promise<StoryRecord[]>>({
      args, toCursor: storyCursor, defaultSize: DEFAULT_STORIES_PAGE,
      maxSize: MAX_STORIES_PAGE,
    }, ({ before, after, limit, inverted }) => ctx.story.list({
      after: after === undefined ? undefined : readStoryCursor(after, 'after'),
      before: before === undefined ? undefined : readStoryCursor(before, 'before'),
      limit,
      fromOldest: inverted,
    }));
    // An empty page has no first or last story, so no cursors (the helper repeats the
    // argument's cursor, or gives an empty string that no argument accepts).
    if (connection.edges.length > 0) return connection;
    return { ...connection,
      pageInfo: { ...connection.pageInfo, startCursor: null, endCursor: null } };
  },
}, { name: 'StoryConnection', description: 'A page of stories.' },
{ name: 'StoryEdge', description: 'A story and its cursor.' }));
