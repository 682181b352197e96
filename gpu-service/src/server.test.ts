/**
 * The HTTP layer on its own: routes, statuses, error bodies, limits and signatures. No bundle
 * is attached, so the service stays "not ready" (the pipeline runs in pixel-answer.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeFrame, FRAME_CONTENT_TYPE, tensor } from '../../shared/src/frame.js';
import { silentLogger } from '../../shared/src/logger.js';
import { signRequest } from '../../shared/src/signing.js';
import { loadConfig } from './config.js';
import { GpuServer } from './server.js';

const SECRET = 'test-secret-0123456789abcdef';
let open: GpuServer;
let signed: GpuServer;

beforeAll(async () => {
  open = new GpuServer(loadConfig({ PIXLOOM_GPU_PORT: '8811', PIXLOOM_MAX_BODY_BYTES: '2048',
    PIXLOOM_MAX_IMAGE_BYTES: '1024' }), silentLogger);
  signed = new GpuServer(loadConfig({ PIXLOOM_GPU_PORT: '8812', PIXLOOM_GPU_SECRET: SECRET }),
    silentLogger);
  await open.listen();
  await signed.listen();
});

afterAll(async () => {
  await open?.close();
  await signed?.close();
});

async function call(url: string, init?: RequestInit) {
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
}

function frameBody(bytes = 16): Uint8Array {
  return encodeFrame({ imageId: '0'.repeat(64), question: 'q', wantFeatures: false },
    [tensor('image', new Uint8Array(bytes), [bytes])]);
}

describe('gpu-service HTTP layer', () => {
  it('is live at once and not ready without bundles', async () => {
    const live = await call(`${open.url}/v2/health/live`);
    expect(live).toMatchObject({ status: 200, body: { live: true } });
    expect(live.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);

    const ready = await call(`${open.url}/v2/health/ready`);
    expect(ready.status).toBe(503);
    expect(ready.body.error.code).toBe('UNAVAILABLE');
    expect(ready.body.error.message).toMatch(/still loading its bundles/);
  });

  it('answers unknown paths with 404 and wrong methods with 405', async () => {
    const missing = await call(`${open.url}/v1/nothing`);
    expect(missing.status).toBe(404);
    expect(missing.body.error).toEqual({
      code: 'NOT_FOUND',
      message: 'No route GET /v1/nothing; the gpu-service serves GET /v2/health/live, '
        + 'GET /v2/health/ready, GET /metrics, POST /v1/pixel/answer, POST /v1/story/jobs and '
        + 'POST /v1/story/jobs/<id>/cancel.',
    });
    const wrong = await call(`${open.url}/v1/pixel/answer`);
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
    expect(wrong.body.error.code).toBe('METHOD_NOT_ALLOWED');
  });

  it('says when it runs without a story model', async () => {
    const res = await call(`${open.url}/v1/story/jobs`, { method: 'POST', body: frameBody() });
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('UNAVAILABLE');
    expect(res.body.error.message)
      .toMatch(/without a story model: put a story bundle in .*story-ref/);
  });

  it('echoes a well-formed request id', async () => {
    const res = await call(`${open.url}/v2/health/live`, { headers: { 'x-request-id': 'abc-1' } });
    expect(res.headers.get('x-request-id')).toBe('abc-1');
  });

  it('wants a frame body', async () => {
    const res = await call(`${open.url}/v1/pixel/answer`, {
      method: 'POST', body: '{"question":"?"}', headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(415);
    expect(res.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(res.body.error.message).toMatch(/content-type application\/x-pixloom-frame/);
  });

  it('refuses a body over the limit with 413 and still answers', async () => {
    const body = frameBody(4096);
    const res = await call(`${open.url}/v1/pixel/answer`, {
      method: 'POST', body, headers: { 'content-type': FRAME_CONTENT_TYPE },
    });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(res.body.error.message).toMatch(/larger than 2048 bytes/);
  });

  it('stops reading a chunked body once it passes the limit', async () => {
    const chunks = [frameBody(1000), new Uint8Array(1500), new Uint8Array(1500)];
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = chunks.shift();
        if (next) controller.enqueue(next);
        else controller.close();
      },
    });
    const res = await call(`${open.url}/v1/pixel/answer`, {
      method: 'POST', body, headers: { 'content-type': FRAME_CONTENT_TYPE }, duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(res.headers.get('connection')).toBe('close');
  });

  it('refuses a pipeline call with 503 until the bundle is loaded', async () => {
    const res = await call(`${open.url}/v1/pixel/answer`, {
      method: 'POST', body: frameBody(), headers: { 'content-type': FRAME_CONTENT_TYPE },
    });
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('UNAVAILABLE');
  });

  it('with a secret, refuses unsigned, badly signed and replayed calls', async () => {
    const url = `${signed.url}/v1/pixel/answer`;
    const body = frameBody();
    const post = (headers: Record<string, string>) => call(url, {
      method: 'POST', body, headers: { 'content-type': FRAME_CONTENT_TYPE, ...headers },
    });

    const unsigned = await post({});
    expect(unsigned.status).toBe(401);
    expect(unsigned.body.error).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(unsigned.body.error.message).toMatch(/^The call is not signed; sign each call/);

    const other = await post(await signRequest('another-secret-0123456789', 'POST',
      '/v1/pixel/answer', body));
    expect(other.body.error.message).toMatch(/signature made with another secret/);

    const headers = await signRequest(SECRET, 'POST', '/v1/pixel/answer', body);
    expect((await post(headers)).status).toBe(503); // authenticated; no bundle yet
    const replay = await post(headers);
    expect(replay.status).toBe(401);
    expect(replay.body.error.message).toMatch(/repeats the nonce/);

    const stale = await post(await signRequest(SECRET, 'POST', '/v1/pixel/answer', body,
      Date.now() - 5 * 60_000));
    expect(stale.body.error.message).toMatch(/timestamp too far/);
  });

  it('reports its ready state through the health route', async () => {
    expect(open.ready).toBe(false);
    const ready = await fetch(`${open.url}/v2/health/ready`, { method: 'HEAD' });
    expect(ready.status).toBe(503);
  });
});
