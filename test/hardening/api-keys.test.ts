/**
 * API keys at the edge in workerd with PIXLOOM_AUTH=on: keys made by `npm run key:create`
 * (stored hashed in the local KV), bearer auth, scopes per operation, per-key rate limits,
 * over HTTP and over WebSocket with the real graphql-ws client.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createClient, type FormattedExecutionResult } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { hashApiKey } from '../../edge/src/security/api-keys';
import { createKey, parseArgs } from '../../scripts/key-create';
import { ROOT } from '../../scripts/start';
import { startHardeningEdge, type HardeningEdge } from './edge-process';
import { codeOf, sendJson, sendUpload } from './http';

const PORT = 8832;
const persistTo = join(ROOT, '.wrangler', `edge-test-${PORT}`);
const UPLOAD = 'mutation ($file: File!) { uploadImage(file: $file) { id } }';
const PNG = new Uint8Array(readFileSync(join(ROOT, 'test', 'fixtures', 'bad-inputs', 'ok.png')));

let edge: HardeningEdge;
const keys: Record<'both' | 'segment' | 'story' | 'slow' | 'wsSlow', string> = {} as never;

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

beforeAll(async () => {
  edge = await startHardeningEdge({ port: PORT, gpuUrl: 'http://127.0.0.1:8839',
    vars: { PIXLOOM_AUTH: 'on' } });
  const make = async (scopes: string, rate: number) => (await createKey(
    parseArgs(['--scopes', scopes, '--rate', String(rate), '--persist-to', persistTo]))).key;
  keys.both = await make('segment,story', 600);
  keys.segment = await make('segment', 600);
  keys.story = await make('story', 600);
  keys.slow = await make('segment', 3);
  keys.wsSlow = await make('segment', 3);
});

afterAll(async () => {
  await edge?.stop();
});

describe('npm run key:create', () => {
  it('refuses unknown scopes and rates that are not positive integers', () => {
    expect(() => parseArgs(['--scopes', 'segment,admin'])).toThrow(/Unknown scope admin/);
    expect(() => parseArgs(['--rate', '0'])).toThrow(/requests per minute/);
    expect(parseArgs(['--scopes', 'story', '--rate', '5'], {})).toMatchObject({
      scopes: ['story'], ratePerMinute: 5, remote: false });
  });

  it('stores the SHA-256 of a key, never the key', async () => {
    const files = filesUnder(join(persistTo, 'v3', 'kv'));
    const text = files.map((f) => readFileSync(f).toString('latin1')).join('\n');
    for (const key of Object.values(keys)) {
      expect(key).toMatch(/^pxl_[\w-]{43}$/);
      expect(text).not.toContain(key);
      expect(text).toContain(`keys/${await hashApiKey(key)}`);
    }
  });
});

describe('bearer auth', () => {
  it('refuses a request without a key, with a malformed token or an unknown key', async () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{}, /needs a key/],
      [{ authorization: 'Basic dXNlcjpwYXNz' }, /needs a key/],
      [bearer('not-a-key'), /not a pixloom key/],
      [bearer(`pxl_${'A'.repeat(43)}`), /unknown or was revoked/],
    ];
    for (const [headers, message] of cases) {
      const answer = await sendJson(edge.graphqlUrl, { query: '{ __typename }' }, headers);
      expect(answer.status).toBe(401);
      expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(codeOf(answer)).toBe('UNAUTHENTICATED');
      expect(answer.body?.errors?.[0]?.message).toMatch(message);
    }
  });

  it('serves a request with a valid key', async () => {
    const answer = await sendUpload(edge.graphqlUrl, UPLOAD,
      { bytes: PNG, name: 'ok.png', type: 'image/png' }, {}, bearer(keys.both));
    expect(answer.status).toBe(200);
    expect(answer.body?.data?.uploadImage.id).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('scopes', () => {
  it('lets a segment key upload and refuses the same operation to a story-only key', async () => {
    const ok = await sendUpload(edge.graphqlUrl, UPLOAD,
      { bytes: PNG, name: 'ok.png', type: 'image/png' }, {}, bearer(keys.segment));
    expect(codeOf(ok)).toBeNull();

    const refused = await sendUpload(edge.graphqlUrl, UPLOAD,
      { bytes: PNG, name: 'ok.png', type: 'image/png' }, {}, bearer(keys.story));
    expect(codeOf(refused)).toBe('FORBIDDEN');
    expect(refused.body?.errors?.[0]?.message).toMatch(/lacks the scope segment.*--scopes/);

    const typename = await sendJson(edge.graphqlUrl, { query: '{ __typename }' },
      bearer(keys.story));
    expect(codeOf(typename)).toBeNull();
  });
});

describe('rate limits', () => {
  it('lets a key of 3 a minute make 3 requests, then answers 429 with Retry-After', async () => {
    const codes: Array<string | null> = [];
    let last;
    for (let i = 0; i < 5; i++) {
      last = await sendJson(edge.graphqlUrl, { query: '{ __typename }' }, bearer(keys.slow));
      codes.push(codeOf(last));
    }
    expect(codes).toEqual([null, null, null, 'RATE_LIMITED', 'RATE_LIMITED']);
    expect(last!.status).toBe(429);
    const retryAfter = Number(last!.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(20);
    expect(last!.body?.errors?.[0]?.message).toMatch(/3 requests a minute; wait \d+ s/);

    const other = await sendJson(edge.graphqlUrl, { query: '{ __typename }' },
      bearer(keys.segment));
    expect(codeOf(other)).toBeNull();
  });
});

/** What one operation over graphql-ws ended with: its results, or the error or close event. */
interface WsOutcome {
  results: Array<FormattedExecutionResult<Record<string, unknown>, unknown>>;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
  close?: { code: number; reason: string };
}

/**
 * Runs `queries` one after another over one graphql-ws connection (the real client and
 * `ws`), with `params` as connectionParams and `headers` on the upgrade request.
 */
async function overWs(queries: string[], params?: Record<string, unknown>,
  headers: Record<string, string> = {}): Promise<WsOutcome[]> {
  class HeaderSocket extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, { headers });
    }
  }
  const client = createClient({ url: edge.graphqlUrl.replace(/^http/, 'ws'),
    webSocketImpl: HeaderSocket, connectionParams: params, retryAttempts: 0, lazy: true,
    // One connection for all the queries, closed by dispose().
    lazyCloseTimeout: 60_000 });
  const outcomes: WsOutcome[] = [];
  try {
    for (const query of queries) {
      outcomes.push(await new Promise<WsOutcome>((done) => {
        const results: WsOutcome['results'] = [];
        client.subscribe({ query, variables: { id: '00000000-0000-4000-8000-000000000000' } }, {
          next: (result) => results.push(result),
          complete: () => done({ results }),
          error: (error) => {
            const event = error as { code?: number; reason?: string };
            done(Array.isArray(error) ? { results, errors: error }
              : { results, close: { code: event.code ?? 0, reason: event.reason ?? '' } });
          },
        });
      }));
    }
  } finally {
    await client.dispose();
  }
  return outcomes;
}

const STORY_EVENTS = 'subscription ($id: ID!) { storyEvents(id: $id) { seq } }';

describe('keys on WebSocket subscriptions (graphql-ws)', () => {
  it('closes a connection without a valid key with 4401 and a reason saying what to send',
    async () => {
      const cases: Array<[Record<string, unknown> | undefined, RegExp]> = [
        [undefined, /^UNAUTHENTICATED: This API needs a key; send connectionParams/],
        [{ authorization: 'Bearer not-a-key' }, /^UNAUTHENTICATED: The bearer token is not a/],
        [{ authorization: `Bearer pxl_${'A'.repeat(43)}` },
          /^UNAUTHENTICATED: The key is unknown or was revoked; send connectionParams/],
      ];
      for (const [params, reason] of cases) {
        const [outcome] = await overWs(['{ __typename }'], params);
        expect(outcome.results).toEqual([]);
        expect(outcome.close?.code).toBe(4401);
        expect(outcome.close?.reason).toMatch(reason);
      }
      const answer = await sendJson(edge.graphqlUrl, { query: '{ __typename }' },
        bearer(keys.both));
      expect(answer.body?.data).toEqual({ __typename: 'Query' });
    });

  it('serves a key from connectionParams or from the upgrade header', async () => {
    const [fromParams] = await overWs(['{ __typename }'],
      { authorization: `Bearer ${keys.both}` });
    expect(fromParams.results).toEqual([{ data: { __typename: 'Query' } }]);
    const [fromHeader] = await overWs(['{ __typename }'], undefined, bearer(keys.both));
    expect(fromHeader.results).toEqual([{ data: { __typename: 'Query' } }]);
  });

  it('checks the story scope for storyEvents', async () => {
    const [refused] = await overWs([STORY_EVENTS], { authorization: `Bearer ${keys.segment}` });
    expect(refused.results[0]?.errors?.[0]).toMatchObject({
      message: expect.stringMatching(/lacks the scope story/),
      extensions: { code: 'FORBIDDEN' } });
    const [allowed] = await overWs([STORY_EVENTS], { authorization: `Bearer ${keys.story}` });
    const codes = [...(allowed.results[0]?.errors ?? []), ...(allowed.errors ?? [])]
      .map((e) => e.extensions?.code);
    expect(codes).toEqual(['NOT_FOUND']);
  });

  it('counts the connection and each operation against the key rate', async () => {
    const auth = { authorization: `Bearer ${keys.wsSlow}` };
    const outcomes = await overWs(['{ __typename }', '{ __typename }', '{ __typename }'], auth);
    expect(outcomes.slice(0, 2).map((o) => o.results)).toEqual([
      [{ data: { __typename: 'Query' } }], [{ data: { __typename: 'Query' } }]]);
    expect(outcomes[2].errors?.[0]).toMatchObject({ extensions: { code: 'RATE_LIMITED' },
      message: expect.stringMatching(/3 requests a minute/) });
    const [closed] = await overWs(['{ __typename }'], auth);
    expect(closed.close?.code).toBe(4429);
    expect(closed.close?.reason).toMatch(/^RATE_LIMITED: This key may make 3 requests/);
  });
});
