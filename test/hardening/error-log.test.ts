/**
 * The edge's log in workerd: each error a client gets is logged once, with the request id, at
 * `info` when the call must be fixed (bad input, no key, a missing scope), at `warn` when the
 * service is short of capacity (`BUSY`, `RATE_LIMITED`), and at `error` only when it is
 * unexpected, with the error id the client was given.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey, parseArgs } from '../../scripts/key-create';
import { ROOT, seedLocalR2 } from '../../scripts/start';
import { startHardeningEdge, type HardeningEdge } from './edge-process';
import { codeOf, sendJson, sendUpload, type Answer } from './http';
import { FakeGpuService, writeStandInBundle } from './stand-in';

const PORT = 8843;
const SECRET = 'hardening-error-log-secret-0123456789';
const gpu = new FakeGpuService(8844, SECRET);
const persistTo = join(ROOT, '.wrangler', `edge-test-${PORT}`);
const PNG = new Uint8Array(readFileSync(join(ROOT, 'test', 'fixtures', 'bad-inputs', 'ok.png')));
const UPLOAD = 'mutation ($file: File!) { uploadImage(file: $file) { id } }';
const SEGMENT = 'query ($id: ID!, $q: String!) { segment(imageId: $id, question: $q) '
  + '{ answer } }';

type LogLine = Record<string, unknown> & { level: string; msg: string };
const lines: LogLine[] = [];
let edge: HardeningEdge;
let key: string;
let slowKey: string;
let imageId: string;
let question = 0;

/** The log lines with a code that came after `mark`, once `count` with `code` have arrived. */
async function linesAfter(mark: number, code: string, count = 1): Promise<LogLine[]> {
  const arrived = () => lines.slice(mark).filter((l) => l.code === code).length;
  for (let i = 0; i < 50 && arrived() < count; i++) {
    await new Promise((done) => setTimeout(done, 100));
  }
  // Lines of one request may trail its response a little.
  await new Promise((done) => setTimeout(done, 200));
  return lines.slice(mark).filter((l) => l.code !== undefined);
}

const bearer = (k: string) => ({ authorization: `Bearer ${k}` });

function ask(q: string, k = key): Promise<Answer> {
  return sendJson(edge.graphqlUrl, { query: SEGMENT, variables: { id: imageId, q } }, bearer(k));
}

beforeAll(async () => {
  await gpu.start();
  edge = await startHardeningEdge({ port: PORT, gpuUrl: gpu.url, secret: SECRET,
    vars: { PIXLOOM_AUTH: 'on', LOG_LEVEL: 'info' },
    sink: (line) => {
      // wrangler may prefix a line and colour or annotate its end.
      const json = /\{"time".*\}/.exec(line)?.[0];
      if (json) lines.push(JSON.parse(json) as LogLine);
    } });
  await seedLocalR2({ modelsDir: writeStandInBundle(), persistTo: edge.persistTo });
  const make = async (scopes: string, rate: number) => (await createKey(
    parseArgs(['--scopes', scopes, '--rate', String(rate), '--persist-to', persistTo]))).key;
  key = await make('segment', 600);
  slowKey = await make('segment', 1);
  const uploaded = await sendUpload(edge.graphqlUrl, UPLOAD,
    { bytes: PNG, name: 'ok.png', type: 'image/png' }, {}, bearer(key));
  imageId = uploaded.body?.data?.uploadImage.id;
});

afterAll(async () => {
  await edge?.stop();
  await gpu.stop();
});

describe('log levels of errors', () => {
  it('a bad question: one info line with the code and a request id', async () => {
    const mark = lines.length;
    const answer = await ask('\u200b\u200d');
    expect(codeOf(answer)).toBe('BAD_REQUEST');
    const logged = await linesAfter(mark, 'BAD_REQUEST');
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ level: 'info', msg: 'client error', code: 'BAD_REQUEST',
      message: expect.stringMatching(/^question has no visible characters/) });
    expect(logged[0].requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('the same bad document twice: one line each time', async () => {
    const mark = lines.length;
    for (let i = 0; i < 2; i++) {
      const answer = await sendJson(edge.graphqlUrl, { query: '{ nope }' }, bearer(key));
      expect(codeOf(answer)).toBe('GRAPHQL_VALIDATION_FAILED');
    }
    const logged = await linesAfter(mark, 'GRAPHQL_VALIDATION_FAILED', 2);
    expect(logged.map((l) => [l.level, l.code])).toEqual([
      ['info', 'GRAPHQL_VALIDATION_FAILED'], ['info', 'GRAPHQL_VALIDATION_FAILED']]);
    expect(logged[0].requestId).not.toBe(logged[1].requestId);
  });

  it('no key, and a key without the scope: info', async () => {
    const mark = lines.length;
    expect(codeOf(await sendJson(edge.graphqlUrl, { query: '{ __typename }' })))
      .toBe('UNAUTHENTICATED');
    const forbidden = await sendJson(edge.graphqlUrl,
      { query: '{ story(id: "00000000-0000-0000-0000-000000000000") { id } }' }, bearer(key));
    expect(codeOf(forbidden)).toBe('FORBIDDEN');
    const logged = await linesAfter(mark, 'FORBIDDEN');
    expect(logged.map((l) => [l.level, l.code])).toEqual([['info', 'UNAUTHENTICATED'],
      ['info', 'FORBIDDEN']]);
    expect(logged[0].requestId).not.toBe(logged[1].requestId);
  });

  it('an unexpected error: one error line with the request id and the id the client got',
    async () => {
      const mark = lines.length;
      gpu.mode = 'garbage';
      let answer: Answer;
      try {
        answer = await ask(`where is shape ${question++}?`);
      } finally {
        gpu.mode = 'answer';
      }
      expect(codeOf(answer)).toBe('INTERNAL');
      const errorId = answer.body?.errors?.[0]?.extensions?.errorId;
      const logged = await linesAfter(mark, 'INTERNAL');
      const errors = lines.slice(mark).filter((l) => l.level === 'error');
      expect(errors).toHaveLength(1);
      expect(logged).toEqual([expect.objectContaining({ level: 'error',
        msg: 'unexpected error', code: 'INTERNAL', errorId,
        requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        error: expect.objectContaining({ name: 'FrameError' }) })]);
      expect(answer.body?.errors?.[0]?.message).toContain(String(errorId));
      expect(answer.body?.errors?.[0]?.message).not.toMatch(/frame/i);
    });

  it('a rate limit and a busy gpu-service: warn', async () => {
    const mark = lines.length;
    await sendJson(edge.graphqlUrl, { query: '{ __typename }' }, bearer(slowKey));
    const limited = await sendJson(edge.graphqlUrl, { query: '{ __typename }' },
      bearer(slowKey));
    expect(codeOf(limited)).toBe('RATE_LIMITED');
    gpu.mode = 'busy';
    try {
      expect(codeOf(await ask(`where is shape ${question++}?`))).toBe('BUSY');
    } finally {
      gpu.mode = 'answer';
    }
    const logged = await linesAfter(mark, 'BUSY');
    expect(logged.map((l) => [l.level, l.code])).toEqual([['warn', 'RATE_LIMITED'],
      ['warn', 'BUSY']]);
    expect(logged[0].keyId).toEqual(expect.any(String));
  });

  it('a good question afterwards logs no error', async () => {
    // The pool skips a gpu-service that answered BUSY for 2 s.
    await new Promise((done) => setTimeout(done, 2500));
    const mark = lines.length;
    const answer = await ask(`where is shape ${question++}?`);
    expect(answer.body?.data?.segment.answer).toBe('nothing here (answered by 8844)');
    await new Promise((done) => setTimeout(done, 300));
    expect(lines.slice(mark).filter((l) => l.code !== undefined || l.level === 'error'))
      .toEqual([]);
  });
});
