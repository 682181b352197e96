/**
 * The gpu-service HTTP server (node:http; three routes do not need a router):
 *
 *   GET  /v2/health/live   200 while the process serves HTTP
 *   GET  /v2/health/ready  200 once every bundle is loaded, 503 before
 *   GET  /metrics          Prometheus metrics (metrics/gpu-metrics.ts)
 *   POST /v1/pixel/answer  the pixel pipeline, tensor frames in and out (shared/src/wire.ts)
 *   /v2/models/...         with PIXLOOM_SERVE_MODELS=1, the pixel graphs over KServe v2
 *                          (http/kserve-routes.ts)
 *
 * Errors are JSON `{ error: { code, message } }` with the code's status.
 */
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { PixloomError } from '../../shared/src/errors.js';
import { FRAME_CONTENT_TYPE } from '../../shared/src/frame.js';
import type { Logger } from '../../shared/src/logger.js';
import { SignatureVerifier } from '../../shared/src/signing.js';
import { STORY_JOBS_PATH } from '../../shared/src/story-wire.js';
import { HEALTH_LIVE_PATH, HEALTH_READY_PATH, PIXEL_ANSWER_PATH } from '../../shared/src/wire.js';
import type { GpuServiceConfig } from './config.js';
import { readBody } from './http/body.js';
import { isKServePath, type KServeRoutes } from './http/kserve-routes.js';
import { handlePixelAnswer } from './http/pixel-answer.js';
import type { PixelEngine } from './http/pixel-engine.js';
import { sendError, sendJson, toServiceError } from './http/respond.js';
import { Drain } from './http/shutdown.js';
import { WorkQueue } from './http/work-queue.js';
import { gpuMetrics } from './metrics/gpu-metrics.js';
import { countCall, METRICS_PATH, routeLabel, sendMetrics } from './metrics/metrics-route.js';
import { routeStory, type StoryRoutes } from './story-service/story-routes.js';

const ROUTES: Record<string, string> = {
  [HEALTH_LIVE_PATH]: 'GET',
  [HEALTH_READY_PATH]: 'GET',
  [PIXEL_ANSWER_PATH]: 'POST',
  [METRICS_PATH]: 'GET',
};

const ROUTE_LABELS = [...Object.keys(ROUTES), STORY_JOBS_PATH];

const WHY_REFUSED = {
  unsigned: 'is not signed',
  stale: 'has a timestamp too far from the service clock',
  replayed: 'repeats the nonce of a call already served',
  'bad-signature': 'has a signature made with another secret or over other bytes',
} as const;

const BODY_TYPES = new Set([FRAME_CONTENT_TYPE, 'application/octet-stream']);

/** The HTTP server and what it serves; bundles are attached once they are loaded. */
export class GpuServer {
  readonly server: Server;
  /** The pixel pipeline; null until its bundle is loaded. */
  pixel: PixelEngine | null = null;
  /** Story jobs; null when no story bundle is loaded. */
  story: StoryRoutes | null = null;
  /** The pixel graphs over KServe v2; null unless PIXLOOM_SERVE_MODELS is set. */
  kserve: KServeRoutes | null = null;
  /** Bundles the service waits for before it is ready (main sets them). */
  expects = { pixel: true, story: false };
  private readonly queue: WorkQueue;
  private readonly verifier: SignatureVerifier | null;
  private readonly drain = new Drain();

  constructor(private readonly config: GpuServiceConfig, private readonly logger: Logger) {
    this.queue = new WorkQueue(config.pixelConcurrency, config.maxQueue);
    this.verifier = config.secret ? new SignatureVerifier(config.secret) : null;
    this.server = createServer((req, res) => void this.handle(req, res));
    gpuMetrics.watchQueue('pixel', () => this.queue.size);
    gpuMetrics.watchQueue('story', () => this.story?.queue.size ?? 0);
  }

  /** Whether every configured bundle is loaded. */
  get ready(): boolean {
    return (!this.expects.pixel || this.pixel !== null)
      && (!this.expects.story || this.story !== null) && !this.drain.draining;
  }

  /** Starts listening; resolves with the base URL. */
  listen(): Promise<string> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.config.port, this.config.host, () => {
        this.server.off('error', reject);
        resolve(this.url);
      });
    });
  }

  /** The base URL, e.g. `http://127.0.0.1:8790` (the real port when configured with 0). */
  get url(): string {
    const { address, port } = this.server.address() as AddressInfo;
    return `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
  }

  /**
   * Graceful shutdown: stops taking work (new calls get UNAVAILABLE, readiness 503), fails
   * queued story jobs, lets running calls finish for up to `graceMs`, then closes every
   * connection.
   */
  async close(graceMs = 8000): Promise<void> {
    this.drain.start();
    this.story?.queue.cancelAll();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    const drained = await this.drain.idle(graceMs);
    if (!drained) {
      this.logger.warn('closing with calls still running', { active: this.drain.active });
    }
    this.server.closeAllConnections();
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const header = req.headers['x-request-id'];
    const requestId = typeof header === 'string' && /^[\w.:-]{1,100}$/.test(header)
      ? header : randomUUID();
    const logger = this.logger.child({ requestId });
    const started = performance.now();
    res.setHeader('x-request-id', requestId);
    res.once('finish', () => logger.debug('served', {
      method: req.method, path: req.url, status: res.statusCode,
      ms: Math.round((performance.now() - started) * 100) / 100,
    }));
    let outcome = 'ok';
    const path = new URL(req.url ?? '/', 'http://gpu-service').pathname;
    countCall(res, routeLabel(path, ROUTE_LABELS), started, () => outcome);

    try {
      await this.route(req, res, requestId, logger);
    } catch (error) {
      outcome = toServiceError(error, requestId).code;
      sendError(res, error, requestId, logger);
    }
  }

  private async route(
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
    logger: Logger,
  ): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://gpu-service').pathname;
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    if (this.drain.draining) {
      res.setHeader('connection', 'close');
      if (path !== HEALTH_LIVE_PATH) throw this.drain.refusal();
    }
    this.drain.track(res);
    if (this.story && routeStory(path)) {
      const body = () => this.readFrameBody(req, path);
      await this.story.handle(req, res, path, body, requestId, logger);
      return;
    }
    if (!this.story && routeStory(path)) {
      if (this.expects.story) throw this.notReady();
      throw new PixloomError('UNAVAILABLE', 'This gpu-service runs without a story model: put a '
        + `story bundle in ${join(this.config.modelsDir, this.config.storyBundle)} (or set `
        + 'PIXLOOM_STORY_BUNDLE) and restart it.');
    }
    if (this.kserve && isKServePath(path)) {
      const body = async () => {
        const bytes = await readBody(req, this.config.maxBodyBytes);
        await this.authenticate(req, bytes);
        return bytes;
      };
      await this.kserve.handle(req, res, path, body, logger);
      return;
    }
    const allowed = ROUTES[path];
    if (!allowed) {
      throw new PixloomError('NOT_FOUND', `No route ${req.method} ${path}; the gpu-service serves `
        + `GET ${HEALTH_LIVE_PATH}, GET ${HEALTH_READY_PATH}, GET ${METRICS_PATH}, POST `
        + `${PIXEL_ANSWER_PATH}, POST ${STORY_JOBS_PATH} and POST ${STORY_JOBS_PATH}/<id>/cancel.`);
    }
    if (method !== allowed) {
      res.setHeader('allow', allowed === 'GET' ? 'GET, HEAD' : allowed);
      throw new PixloomError('METHOD_NOT_ALLOWED', `${path} takes ${allowed}, not ${req.method}.`);
    }

    if (path === HEALTH_LIVE_PATH) {
      sendJson(res, 200, { live: true });
      return;
    }
    if (path === METRICS_PATH) {
      await sendMetrics(res);
      return;
    }
    if (path === HEALTH_READY_PATH) {
      if (!this.ready) throw this.notReady();
      const manifests = [this.pixel?.manifest, this.story?.manifest]
        .filter((m) => m !== undefined);
      const bundles = manifests.map(({ name, kind, version }) => ({ name, kind, version }));
      const executionProvider = this.config.executionProvider;
      sendJson(res, 200, { ready: true, executionProvider, bundles });
      return;
    }

    const body = await this.readFrameBody(req, path);
    if (!this.pixel) throw this.notReady();
    await handlePixelAnswer({
      engine: this.pixel,
      queue: this.queue,
      imageLimits: this.config.imageLimits,
      maxQuestionChars: this.config.maxQuestionChars,
    }, body, res, requestId, logger);
  }

  /** Reads a signed tensor-frame body. */
  private async readFrameBody(req: IncomingMessage, path: string): Promise<Uint8Array> {
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (!BODY_TYPES.has(type)) {
      throw new PixloomError('UNSUPPORTED_MEDIA_TYPE', `${path} reads a tensor frame: send the `
        + `body with content-type ${FRAME_CONTENT_TYPE} (built with encodeFrame).`);
    }
    const body = await readBody(req, this.config.maxBodyBytes);
    await this.authenticate(req, body);
    return body;
  }

  private notReady(): PixloomError {
    return new PixloomError('UNAVAILABLE', 'The gpu-service is still loading its bundles; retry '
      + `when GET ${HEALTH_READY_PATH} answers 200.`);
  }

  /** With a secret configured, only calls signed by the edge (shared/src/signing.ts) pass. */
  private async authenticate(req: IncomingMessage, body: Uint8Array): Promise<void> {
    if (!this.verifier) return;
    const headers = {
      get: (name: string) => {
        const value = req.headers[name.toLowerCase()];
        return typeof value === 'string' ? value : null;
      },
    };
    const result = await this.verifier.verify(req.method ?? 'POST', req.url ?? '/', headers, body);
    if (!result.ok) {
      throw new PixloomError('UNAUTHENTICATED', `The call ${WHY_REFUSED[result.reason]}; sign `
        + 'each call with signRequest (shared/src/signing.ts) and the secret set in '
        + 'PIXLOOM_GPU_SECRET.');
    }
  }
}
