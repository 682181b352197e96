/**
 * The pixloom edge Worker: GraphQL (and GraphiQL) at /graphql, rendered PNG masks under
 * /masks/, a health check, and internal test routes when PIXLOOM_TEST_ROUTES is "1".
 */
import { createLogger } from '../../shared/src/logger';
import { readConfig, type Env } from './env';
import { pngMaskKey } from './pixel/keys';
import { EdgePixelService } from './pixel/pixel-service';
import { isPlaygroundPath, servePlayground } from './playground/routes';
import { checkAccess } from './security/access';
import { capChunkedBody, chunkedLimit, refuseLargeJsonBody } from './security/body-limit';
import type { SecurityEnv } from './security/env';
import { connectionAccess } from './security/ws-access';
import { EdgeStoryService } from './story/story-service';
import { handleGraphqlWs, isWebSocketUpgrade } from './story/graphql-ws';
import { serveR2File } from './r2-files';
import { serveStoryFile, STORIES_PATH } from './story/story-files';
import { handleTestRoute, TEST_PREFIX } from './test-routes';
import { edgeYoga, GRAPHQL_PATH } from './yoga';

const MASKS_PATH = '/masks/';

async function serveMask(env: Env, name: string, request: Request): Promise<Response> {
  if (!/^[\w.-]+\.png$/.test(name)) return new Response('Not found', { status: 404 });
  return serveR2File(env.BLOBS, pngMaskKey(name), request, { contentType: 'image/png' });
}

/** A HEAD request gets the GET answer's status and headers without its body. */
async function headOnly(request: Request, response: Response): Promise<Response> {
  if (request.method !== 'HEAD') return response;
  await response.body?.cancel();
  return new Response(null, { status: response.status, headers: response.headers });
}

/** Room for the operation and multipart framing next to the largest accepted image. */
const BODY_OVERHEAD_BYTES = 1024 * 1024;

/**
 * Refuses a GraphQL request whose declared body is larger than any accepted image plus some
 * room, before yoga reads it into memory.
 */
function refuseLargeBody(request: Request, maxImageBytes: number): Response | null {
  const declared = Number(request.headers.get('content-length') ?? 0);
  if (!(declared > maxImageBytes + BODY_OVERHEAD_BYTES)) return null;
  const mib = (n: number) => `${(n / (1024 * 1024)).toFixed(1)} MiB`;
  const message = `The request body has ${mib(declared)}; images may have at most `
    + `${mib(maxImageBytes)} (compress or downscale the image first).`;
  return Response.json({ errors: [{ message, extensions: { code: 'IMAGE_TOO_LARGE' } }] },
    { status: 413 });
}

export default {
  async fetch(request, env, ctx) {
    const config = readConfig(env);
    const logger = createLogger({ level: config.logLevel, fields: { service: 'edge' } });
    const url = new URL(request.url);

    if (url.pathname === GRAPHQL_PATH) {
      const tooLarge = refuseLargeJsonBody(request)
        ?? refuseLargeBody(request, config.imageLimits.maxBytes);
      if (tooLarge) return tooLarge;
      const capped = await capChunkedBody(request,
        chunkedLimit(request, config.imageLimits.maxBytes));
      if (capped instanceof Response) return capped;
      request = capped;
      const access = await checkAccess(request, env as Env & SecurityEnv, logger);
      if (access instanceof Response) return access;
      const png = { bucket: env.BLOBS, baseUrl: `${url.origin}${MASKS_PATH}` };
      const pixel = new EdgePixelService(env, config, png, logger);
      const story = new EdgeStoryService(env.STORY_JOBS, url.origin);
      const yoga = edgeYoga(logger);
      const serverContext = {
        pixloom: { pixel, story, signal: request.signal },
        waitUntil: (work: Promise<unknown> | void) => ctx.waitUntil(Promise.resolve(work)),
        auth: access,
      };
      if (isWebSocketUpgrade(request)) {
        return handleGraphqlWs(request, yoga, serverContext,
          connectionAccess(request, access, env as Env & SecurityEnv, logger));
      }
      // Same runtime object; the Workers and DOM typings each declare their own Request.
      const graphqlRequest = request as unknown as Parameters<typeof yoga.handleRequest>[0];
      return yoga.handleRequest(graphqlRequest, serverContext);
    }
    const read = request.method === 'GET' || request.method === 'HEAD';
    if (url.pathname.startsWith(MASKS_PATH) && read) {
      return headOnly(request, await serveMask(env, url.pathname.slice(MASKS_PATH.length),
        request));
    }
    if (url.pathname.startsWith(STORIES_PATH) && read) {
      return headOnly(request, await serveStoryFile(env.BLOBS,
        url.pathname.slice(STORIES_PATH.length), request));
    }
    if (isPlaygroundPath(url.pathname) && read) {
      return headOnly(request, await servePlayground(url.pathname));
    }
    if (url.pathname === '/health') {
      return Response.json({ ok: true });
    }
    if (config.testRoutes && url.pathname.startsWith(TEST_PREFIX)) {
      return handleTestRoute(request, env, config);
    }
    return new Response(`Not found. GraphQL and GraphiQL are at ${GRAPHQL_PATH}.`, { status: 404 });
  },
} satisfies ExportedHandler<Env>;

export { KeyRateLimiter } from './security/rate-limiter';

export { StoryJobHub } from './story/job-hub';
