/**
 * Relay conventions on the Worker in workerd, with a fake story gpu-service (no model needed):
 * the `stories` connection pages forwards and backwards over stories made in earlier requests
 * (the index Durable Object), `node` and `nodes` load a Story by its global id, the bare UUID
 * of earlier releases still works, and malformed ids and cursors are refused with BAD_REQUEST.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/start';
import { graphql } from '../../edge/test/graphql-client';
import { startHardeningEdge, type HardeningEdge } from '../hardening/edge-process';
import { FakeStoryService } from '../hardening/fake-story';
import { createStory } from './story-clients';

const SECRET = 'story-list-secret-0123456789abcdef';
const fixture = (name: string) => new Uint8Array(readFileSync(join(ROOT, 'test', 'fixtures',
  'bad-inputs', name)));
const STORY = { character: 'a boy with a blue hat', seed: 1, steps: 2, framesBetween: 1,
  panels: [{ text: 'he waves' }, { text: 'he runs' }] };
const COUNT = 5;

const gpu = new FakeStoryService(8863, fixture('ok.png'), fixture('animated.webp'));
let edge: HardeningEdge;
/** Global ids of the stories made, oldest first. */
const made: string[] = [];

interface Page {
  edges: Array<{ cursor: string; node: { id: string; createdAt: string } }>;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null;
    endCursor: string | null };
}

const PAGE = `query ($first: Int, $after: String, $last: Int, $before: String) {
  stories(first: $first, after: $after, last: $last, before: $before) {
    edges { cursor node { id createdAt } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  } }`;

async function page(args: Record<string, unknown>): Promise<Page> {
  const result = await graphql<{ stories: Page }>(edge.graphqlUrl, PAGE, args);
  if (!result.data?.stories) throw new Error(JSON.stringify(result.errors));
  return result.data.stories;
}

const ids = (p: Page) => p.edges.map((e) => e.node.id);
/** Stories made, newest first, by their index in `made`. */
const newest = (...indexes: number[]) => indexes.map((i) => made[i]);

async function codeOf(query: string, variables: Record<string, unknown> = {}) {
  const result = await graphql(edge.graphqlUrl, query, variables);
  return { code: result.errors?.[0]?.extensions?.code, message: result.errors?.[0]?.message };
}

beforeAll(async () => {
  await gpu.start();
  edge = await startHardeningEdge({ port: 8864, gpuUrl: gpu.url, secret: SECRET,
    vars: { PIXLOOM_AUTH: 'off' } });
  // One request each, one after another: creation times increase down the list.
  for (let i = 0; i < COUNT; i++) made.push(await createStory(edge.graphqlUrl, STORY));
});

afterAll(async () => {
  await edge?.stop();
  await gpu.stop();
});

describe('stories connection', () => {
  it('lists the stories of earlier requests, newest first, when no page size is given',
    async () => {
      const all = await page({});
      expect(ids(all)).toEqual(newest(4, 3, 2, 1, 0));
      const times = all.edges.map((e) => Date.parse(e.node.createdAt));
      expect([...times].sort((a, b) => b - a)).toEqual(times);
      expect(all.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false,
        startCursor: all.edges[0].cursor, endCursor: all.edges[COUNT - 1].cursor });
    });

  it('pages forwards with first and after', async () => {
    const one = await page({ first: 2 });
    expect(ids(one)).toEqual(newest(4, 3));
    expect(one.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false,
      startCursor: one.edges[0].cursor, endCursor: one.edges[1].cursor });

    const two = await page({ first: 2, after: one.pageInfo.endCursor });
    expect(ids(two)).toEqual(newest(2, 1));
    expect(two.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });

    const three = await page({ first: 2, after: two.pageInfo.endCursor });
    expect(ids(three)).toEqual(newest(0));
    expect(three.pageInfo.hasNextPage).toBe(false);

    const past = await page({ first: 2, after: three.pageInfo.endCursor });
    expect(past.edges).toEqual([]);
    expect(past.pageInfo).toMatchObject({ hasNextPage: false, startCursor: null,
      endCursor: null });
  });

  it('pages backwards with last and before', async () => {
    const one = await page({ last: 2 });
    expect(ids(one)).toEqual(newest(1, 0));
    expect(one.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: false,
      startCursor: one.edges[0].cursor, endCursor: one.edges[1].cursor });

    const two = await page({ last: 2, before: one.pageInfo.startCursor });
    expect(ids(two)).toEqual(newest(3, 2));
    expect(two.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: true });

    const three = await page({ last: 2, before: two.pageInfo.startCursor });
    expect(ids(three)).toEqual(newest(4));
    expect(three.pageInfo.hasPreviousPage).toBe(false);
  });

  it('gives the same cursor for a story on every page, and pages between two cursors',
    async () => {
      const all = await page({});
      const forward = await page({ first: 3 });
      expect(forward.edges).toEqual(all.edges.slice(0, 3));
      const between = await page({ first: 10, after: all.edges[0].cursor,
        before: all.edges[3].cursor });
      expect(ids(between)).toEqual(newest(3, 2));
    });

  it('puts a story made later at the head of the list', async () => {
    const first = await page({ first: 1 });
    const id = await createStory(edge.graphqlUrl, STORY);
    const head = await page({ first: 1 });
    expect(ids(head)).toEqual([id]);
    const after = await page({ first: 1, after: head.edges[0].cursor });
    expect(ids(after)).toEqual(ids(first));
  });

  it('refuses bad page arguments with BAD_REQUEST', async () => {
    const q = 'query ($a: String, $f: Int, $l: Int) { stories(after: $a, first: $f, last: $l) '
      + '{ edges { cursor } } }';
    expect(await codeOf(q, { a: 'bm90IGEgY3Vyc29y' })).toMatchObject({ code: 'BAD_REQUEST',
      message: expect.stringMatching(/after is not a cursor of stories/) });
    expect(await codeOf(q, { a: '***' })).toMatchObject({ code: 'BAD_REQUEST' });
    expect(await codeOf(q, { f: -1 })).toMatchObject({ code: 'BAD_REQUEST',
      message: expect.stringMatching(/first is -1/) });
    expect(await codeOf(q, { f: 1, l: 1 })).toMatchObject({ code: 'BAD_REQUEST',
      message: expect.stringMatching(/not both/) });
  });
});

describe('global ids', () => {
  const NODE = `query ($id: ID!) { node(id: $id) { __typename id
    ... on Story { status createdAt } } }`;

  it('node(id) gives back the Story whose id it was', async () => {
    for (const id of made) {
      const result = await graphql<{ node: { __typename: string; id: string } }>(
        edge.graphqlUrl, NODE, { id });
      expect(result.errors).toBeUndefined();
      expect(result.data?.node).toMatchObject({ __typename: 'Story', id });
    }
  });

  it('nodes(ids) keeps the order asked for, with null for a story that does not exist',
    async () => {
      const missing = Buffer.from('Story:00000000-0000-4000-8000-000000000000')
        .toString('base64');
      const result = await graphql<{ nodes: Array<{ id: string } | null> }>(edge.graphqlUrl,
        'query ($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids: [made[2], missing, made[0]] });
      expect(result.errors).toBeUndefined();
      expect(result.data?.nodes).toEqual([{ id: made[2] }, null, { id: made[0] }]);
      const tooMany = await codeOf('query ($ids: [ID!]!) { nodes(ids: $ids) { id } }',
        { ids: Array.from({ length: 101 }, () => made[0]) });
      expect(tooMany).toMatchObject({ code: 'BAD_REQUEST',
        message: expect.stringMatching(/101 ids; send at most 100/) });
    });

  it('is a base64 Story id, and the bare UUID of earlier releases still finds the story',
    async () => {
      const decoded = Buffer.from(made[1], 'base64').toString();
      expect(decoded).toMatch(/^Story:[0-9a-f-]{36}$/);
      const uuid = decoded.slice('Story:'.length);
      const q = 'query ($id: ID!) { story(id: $id) { id } }';
      for (const id of [uuid, made[1]]) {
        const result = await graphql<{ story: { id: string } }>(edge.graphqlUrl, q, { id });
        expect(result.data?.story.id).toBe(made[1]);
      }
    });

  it('refuses malformed ids with BAD_REQUEST and says where a good one comes from',
    async () => {
      const b64 = (s: string) => Buffer.from(s).toString('base64');
      for (const id of ['nope', b64('Image:' + 'ab'.repeat(32)), b64('Story:not-a-uuid'),
        b64('no separator')]) {
        const { code, message } = await codeOf(NODE, { id });
        expect(code, id).toBe('BAD_REQUEST');
        expect(message, id).toMatch(/id/);
      }
      expect(await codeOf(NODE, { id: 'nope' })).toMatchObject({
        message: expect.stringMatching(/not a global id; send the id field of a Story/) });
      expect(await codeOf('query ($id: ID!) { story(id: $id) { id } }', { id: 'nope' }))
        .toMatchObject({ code: 'BAD_REQUEST' });
      expect(await codeOf('mutation ($id: ID!) { cancelStory(id: $id) { id } }',
        { id: b64('Story:x') })).toMatchObject({ code: 'BAD_REQUEST' });
    });
});
