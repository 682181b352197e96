/**
 * The bad-input corpus against the edge in workerd (`wrangler dev`): lying content types,
 * truncated and corrupt images, decompression bombs, animated, 16-bit and rotated images, odd
 * questions, and GraphQL depth, alias, cost, token and batching attacks. Each input must get
 * its exact `extensions.code` (or succeed, where the input is valid), and the next ordinary
 * request must still be answered. A fake gpu-service (stand-in.ts) answers the questions that
 * pass every check, so those show that odd text reaches the pipeline and comes back.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ROOT, seedLocalR2 } from '../../scripts/start';
import { startHardeningEdge, type HardeningEdge } from './edge-process';
import { corruptImages, untidyPngs } from './corrupt-images';
import { codeOf, send, sendJson, sendUpload, type Answer } from './http';
import { GRAPHQL_CASES } from './graphql-cases';
import { FakeGpuService, writeStandInBundle } from './stand-in';

const PORT = 8831;
const SECRET = 'hardening-bad-inputs-secret-0123456789';
const gpu = new FakeGpuService(8834, SECRET);
const FIXTURES = join(ROOT, 'test', 'fixtures', 'bad-inputs');
const UPLOAD = 'mutation ($file: File!) { uploadImage(file: $file) { id width height format } }';
const SEGMENT_FILE = 'query ($file: File!, $q: String!) { segment(image: $file, question: $q) '
  + '{ answer } }';

const fixture = (name: string) => new Uint8Array(readFileSync(join(FIXTURES, name)));

/** What each file is expected to give: an error code, or the image it is read as. */
const IMAGE_CASES: Array<[file: string, type: string, expected: string]> = [
  ['ok.png', 'image/jpeg', 'PNG 24x16'],
  ['ok.jpg', 'image/gif', 'JPEG 24x16'],
  ['ok.webp', 'text/plain', 'WEBP 24x16'],
  ['gif.png', 'image/png', 'UNSUPPORTED_IMAGE'],
  ['svg.png', 'image/png', 'UNSUPPORTED_IMAGE'],
  ['html.jpg', 'image/jpeg', 'UNSUPPORTED_IMAGE'],
  ['heic.jpg', 'image/jpeg', 'UNSUPPORTED_IMAGE'],
  ['zero-bytes.png', 'image/png', 'BAD_IMAGE'],
  ['signature-only.png', 'image/png', 'BAD_IMAGE'],
  ['garbage-after-signature.png', 'image/png', 'BAD_IMAGE'],
  ['no-ihdr.png', 'image/png', 'BAD_IMAGE'],
  ['truncated-half.png', 'image/png', 'BAD_IMAGE'],
  ['no-iend.png', 'image/png', 'BAD_IMAGE'],
  ['truncated-header.jpg', 'image/jpeg', 'BAD_IMAGE'],
  ['truncated-half.jpg', 'image/jpeg', 'BAD_IMAGE'],
  ['truncated-tail.jpg', 'image/jpeg', 'BAD_IMAGE'],
  ['header-only.webp', 'image/webp', 'BAD_IMAGE'],
  ['truncated-half.webp', 'image/webp', 'BAD_IMAGE'],
  ['truncated-tail.webp', 'image/webp', 'BAD_IMAGE'],
  ['bomb-100000x100000.png', 'image/png', 'IMAGE_TOO_LARGE'],
  ['bomb-65000x65000.jpg', 'image/jpeg', 'IMAGE_TOO_LARGE'],
  ['bomb-16384x16384.webp', 'image/webp', 'IMAGE_TOO_LARGE'],
  ['animated.png', 'image/png', 'PNG 16x16'],
  ['animated.webp', 'image/webp', 'WEBP 16x16'],
  ['16-bit.png', 'image/png', 'PNG 16x12'],
  ['exif-orientation-6.jpg', 'image/jpeg', 'JPEG 30x40'],
];

/** Questions sent with a valid image id: what the edge answers before any GPU work. */
const QUESTION_CASES: Array<[name: string, question: string, expected: string]> = [
  ['empty', '', 'BAD_REQUEST'],
  ['white space only', ' \n\t\u00a0\u3000 ', 'BAD_REQUEST'],
  ['one character over the limit', 'a'.repeat(501), 'BAD_REQUEST'],
  ['20 000 characters', 'where? '.repeat(2858), 'BAD_REQUEST'],
  ['full-width letters (NFKC folds them)', 'ｗｈｅｒｅ ｉｓ ｔｈｅ ｒｅｄ ｃｉｒｃｌｅ？',
    'OK'],
  ['lone surrogate', 'where is \ud800 the circle?', 'OK'],
  ['right-to-left override', 'where is the \u202eelcric der\u202c?', 'OK'],
  ['zero-width characters only', '\u200b\u200c\u200d\ufeff', 'BAD_REQUEST'],
  ['word joiner, bidi controls and white space only', '\u2060 \u202e\u2066\u2069\u200f\n',
    'BAD_REQUEST'],
  ['control characters only', '\u0000\u0007\u001b\u0085', 'BAD_REQUEST'],
  ['NUL and control characters', 'where\u0000 is\u0007 it\u001b?', 'OK'],
  ['500 letters with combining accents (1000 code units, 500 after NFC)',
    'e\u0301'.repeat(500), 'OK'],
  ['600 combining marks on one letter', `wh${'\u0301'.repeat(600)}ere?`, 'BAD_REQUEST'],
  ['emoji and astral characters', 'where is 🟥 or 𝔯𝔢𝔡?', 'OK'],
];

const outcomes: Array<{ group: string; name: string; code: string; status: number }> = [];
let edge: HardeningEdge;
let okImageId: string;

/** The request that must keep working after every bad one. */
async function stillAnswers(): Promise<void> {
  const answer = await sendUpload(edge.graphqlUrl, UPLOAD,
    { bytes: fixture('ok.png'), name: 'ok.png', type: 'image/png' });
  expect(answer.status).toBe(200);
  expect(answer.body?.data?.uploadImage).toMatchObject({ width: 24, height: 16, format: 'PNG' });
}

function record(group: string, name: string, answer: Answer): string {
  const code = codeOf(answer) ?? 'OK';
  outcomes.push({ group, name, code, status: answer.status });
  return code;
}

beforeAll(async () => {
  await gpu.start();
  edge = await startHardeningEdge({ port: PORT, gpuUrl: gpu.url, secret: SECRET,
    vars: { MAX_IMAGE_BYTES: '200000', MAX_IMAGE_PIXELS: '1000000', PIXLOOM_AUTH: 'off' } });
  await seedLocalR2({ modelsDir: writeStandInBundle(), persistTo: edge.persistTo });
  const first = await sendUpload(edge.graphqlUrl, UPLOAD,
    { bytes: fixture('ok.png'), name: 'ok.png', type: 'image/png' });
  okImageId = first.body?.data?.uploadImage.id;
});

afterAll(async () => {
  await edge?.stop();
  await gpu.stop();
  const byCode = new Map<string, number>();
  for (const o of outcomes) byCode.set(o.code, (byCode.get(o.code) ?? 0) + 1);
  // The corpus summary, for the record of a run.
  console.log(`bad inputs tried: ${outcomes.length}; outcomes: `
    + [...byCode].map(([code, n]) => `${code} ${n}`).join(', '));
});

describe('images, uploaded with a content type and a file name that may lie', () => {
  for (const [file, type, expected] of IMAGE_CASES) {
    it(`${file} sent as ${type} → ${expected}`, async () => {
      const answer = await sendUpload(edge.graphqlUrl, UPLOAD,
        { bytes: fixture(file), name: `upload.${type.split('/')[1]}`, type });
      const code = record('image', file, answer);
      if (/^[A-Z_]+$/.test(expected)) {
        expect(code).toBe(expected);
        expect(answer.body?.errors?.[0]?.message).toMatch(/send|Send|convert|downscale/);
      } else {
        const image = answer.body?.data?.uploadImage;
        expect(code).toBe('OK');
        expect(`${image.format} ${image.width}x${image.height}`).toBe(expected);
      }
      await stillAnswers();
  });
  }

  const corrupt = corruptImages({ png: fixture('ok.png'), jpeg: fixture('ok.jpg'),
    webp: fixture('ok.webp') });
  for (const image of corrupt) {
    it(`${image.name} → BAD_IMAGE`, async () => {
      const answer = await sendUpload(edge.graphqlUrl, UPLOAD,
        { bytes: image.bytes, name: 'upload', type: image.type });
      expect(record('image', image.name, answer)).toBe('BAD_IMAGE');
      expect(answer.body?.errors?.[0]?.message).toMatch(image.message);
      expect(answer.body?.errors?.[0]?.message).toMatch(/send the complete file/);
      await stillAnswers();
    });
  }

  // Decoders (libspng in the gpu-service's sharp) read these; the upload check lets them in.
  for (const image of untidyPngs(fixture('ok.png'))) {
    it(`${image.name} → PNG 24x16`, async () => {
      const answer = await sendUpload(edge.graphqlUrl, UPLOAD,
        { bytes: image.bytes, name: 'upload.png', type: 'image/png' });
      expect(record('image', image.name, answer)).toBe('OK');
      expect(answer.body?.data?.uploadImage).toMatchObject({ format: 'PNG', width: 24 });
      await stillAnswers();
    });
  }

  it('a file over the byte limit inside a segment call → IMAGE_TOO_LARGE', async () => {
    const bytes = new Uint8Array(300_000);
    bytes.set(fixture('ok.png'));
    const answer = await sendUpload(edge.graphqlUrl, SEGMENT_FILE,
      { bytes, name: 'big.png', type: 'image/png' }, { q: 'where is the red shape?' });
    expect(record('image', 'over the byte limit, in segment', answer)).toBe('IMAGE_TOO_LARGE');
    await stillAnswers();
  });

  it('a 3 MiB body is refused before it is read → IMAGE_TOO_LARGE', async () => {
    const answer = await sendUpload(edge.graphqlUrl, UPLOAD,
      { bytes: new Uint8Array(3 * 1024 * 1024), name: 'huge.png', type: 'image/png' });
    expect(answer.status).toBe(413);
    expect(record('image', '3 MiB body', answer)).toBe('IMAGE_TOO_LARGE');
    await stillAnswers();
  });
});

describe('questions', () => {
  const SEGMENT = 'query ($id: ID!, $q: String!) '
    + '{ segment(imageId: $id, question: $q) { answer } }';
  for (const [name, question, expected] of QUESTION_CASES) {
    it(`${name} → ${expected}`, async () => {
      const answer = await sendJson(edge.graphqlUrl,
        { query: SEGMENT, variables: { id: okImageId, q: question } });
      expect(record('question', name, answer)).toBe(expected);
      if (expected === 'OK') {
        expect(answer.body?.data?.segment.answer).toBe('nothing here (answered by 8834)');
      } else {
        expect(answer.body?.errors?.[0]?.message).toMatch(/ask/);
      }
      await stillAnswers();
  });
  }
});

/** createStory inputs whose text shows nothing: refused before a story job starts. */
const STORY_TEXT_CASES: Array<[name: string, character: string, text: string, caption: string]> = [
  ['a character of zero-width characters', '\u200b\u200d\ufeff', 'waving', ''],
  ['a panel text of bidi controls', 'a girl', '\u202e\u202c \u2067\u2069', ''],
  ['a caption of control characters', 'a girl', 'waving', '\u0000\u0007\u2060'],
];

describe('story text', () => {
  const CREATE = 'mutation ($input: CreateStoryInput!) { createStory(input: $input) { id } }';
  for (const [name, character, text, caption] of STORY_TEXT_CASES) {
    it(`${name} → BAD_REQUEST`, async () => {
      const answer = await sendJson(edge.graphqlUrl, { query: CREATE,
        variables: { input: { character, panels: [{ text, caption }] } } });
      expect(record('story', name, answer)).toBe('BAD_REQUEST');
      expect(answer.body?.errors?.[0]?.message)
        .toMatch(/has no visible characters.*; (describe|say|write)/);
      await stillAnswers();
    });
  }
});

describe('GraphQL documents and requests', () => {
  for (const c of GRAPHQL_CASES) {
    it(`${c.name} → ${c.code}`, async () => {
      const answer = c.raw ? await send(...c.raw(edge.graphqlUrl))
        : await sendJson(edge.graphqlUrl, c.payload);
      expect(record('graphql', c.name, answer)).toBe(c.code);
      if (c.status) expect(answer.status).toBe(c.status);
      if (c.message) expect(answer.body?.errors?.[0]?.message).toMatch(c.message);
      await stillAnswers();
  });
  }
});

/** One operation over graphql-ws: its first result, or the errors it was refused with. */
async function overWs(query: string): Promise<Answer> {
  const client = createClient({ url: edge.graphqlUrl.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
  try {
    return await new Promise<Answer>((done) => {
      const answer = (body: Answer['body']) => done({ status: 101, headers: new Headers(), body });
      client.subscribe({ query }, {
        next: (result) => answer(result as Answer['body']),
        complete: () => answer(null),
        error: (error) => answer(Array.isArray(error) ? { errors: error }
          : { errors: [{ message: String((error as CloseEvent).reason),
            extensions: { code: `CLOSED_${(error as CloseEvent).code}` } }] }),
      });
    });
  } finally {
    await client.dispose();
  }
}

describe('GraphQL over WebSocket (graphql-ws), with keys off', () => {
  const cases: Array<[name: string, query: string, code: string]> = [
    ['an ordinary operation', '{ __typename }', 'OK'],
    ['a syntax error', '{ segment(', 'GRAPHQL_PARSE_FAILED'],
    ['a list literal nested 20 000 brackets deep', `{ image(id: ${'['.repeat(20_000)}"a"`
      + `${']'.repeat(20_000)}) { id } }`, 'QUERY_TOO_COMPLEX'],
    ['a token bomb (3000 fields)', `{ ${'__typename '.repeat(3000)}}`, 'QUERY_TOO_COMPLEX'],
    ['an unknown field', '{ nope }', 'GRAPHQL_VALIDATION_FAILED'],
  ];
  for (const [name, query, code] of cases) {
    it(`${name} → ${code}`, async () => {
      const answer = await overWs(query);
      expect(record('websocket', name, answer)).toBe(code);
      if (code === 'OK') expect(answer.body?.data).toEqual({ __typename: 'Query' });
      else expect(answer.body?.errors?.[0]?.message).toMatch(/Syntax Error|limit|Cannot query/);
      await stillAnswers();
    });
  }
});
