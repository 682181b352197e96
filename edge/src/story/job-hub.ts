/**
 * StoryJobHub: the Durable Object that owns one story job. It keeps the job's state and event
 * log in its storage, runs the gpu-service call, writes every keyframe, frame, page and video to
 * R2 before announcing it, and streams the log to every subscriber (newline-delimited JSON),
 * replaying from `after` for late or returning viewers.
 *
 * Internal routes (called by the Worker through the binding's stub):
 *   POST /start   { id, baseUrl, spec }     GET /state     POST /cancel
 *   GET  /events?after=N                    (stream; ends after the last event)
 * and `/index/…` on the one instance that keeps the list of stories (story-index.ts).
 */
import { DurableObject } from 'cloudflare:workers';
import type { FrameTensor } from '../../../shared/src/frame';
import { createLogger, type Logger } from '../../../shared/src/logger';
import type { StoryJobSpec, StoryStreamMeta } from '../../../shared/src/story-wire';
import type { StoryEventRecord, StoryRecord } from '../../../schema/src/story-context';
import { readConfig, type Env } from '../env';
import { EventLog, type NewStoryEvent } from './event-log';
import { latentPreviewer } from './latent-preview';
import { StoryGpuClient } from './gpu-story-client';
import { StoryIndex, STORY_INDEX_PATH } from './story-index';
import { rgbPng, storyKey, STORIES_PATH } from './story-files';

/** An empty line every so often: a write that fails shows a subscriber has gone. */
const HEARTBEAT_MS = 5000;

interface Started {
  id: string;
  baseUrl: string;
  spec: StoryJobSpec;
  /** Decode each frame's latent at the edge for a preview. */
  previews: boolean;
}

export class StoryJobHub extends DurableObject<Env> {
  private state: StoryRecord | null = null;
  private log: EventLog | null = null;
  private run: AbortController | null = null;
  private nextSubscriber = 1;
  private readonly logger: Logger;
  private loaded: Promise<void>;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.logger = createLogger({ level: readConfig(env).logLevel,
      fields: { service: 'edge', object: 'StoryJobHub' } });
    this.loaded = ctx.blockConcurrencyWhile(async () => {
      this.state = (await ctx.storage.get<StoryRecord>('state')) ?? null;
      const logged = await ctx.storage.list<StoryEventRecord>({ prefix: 'e:' });
      this.log = new EventLog([...logged.values()]);
    });
    // A job left QUEUED or RUNNING by an earlier instance has lost its gpu-service stream
    // (the object was restarted or evicted): it fails, so its viewers are not left waiting.
    this.loaded = this.loaded.then(async () => {
      const status = this.state?.status;
      if (status === 'QUEUED' || status === 'RUNNING') {
        await this.fail('UNAVAILABLE', 'The story job was interrupted when the edge restarted; '
          + 'create the story again.');
      }
    });
  }

  override async fetch(request: Request): Promise<Response> {
    await this.loaded;
    const url = new URL(request.url);
    if (url.pathname.startsWith(STORY_INDEX_PATH)) {
      return new StoryIndex(this.ctx.storage).fetch(request);
    }
    if (url.pathname === '/start' && request.method === 'POST') {
      return Response.json(await this.start((await request.json()) as Started));
    }
    if (this.state === null) return Response.json({ error: 'no such story' }, { status: 404 });
    if (url.pathname === '/state') return Response.json(this.view());
    if (url.pathname === '/cancel' && request.method === 'POST') {
      return Response.json(await this.cancel());
    }
    if (url.pathname === '/events') {
      return this.events(Number(url.searchParams.get('after') ?? 0), request.signal);
    }
    return new Response('Not found', { status: 404 });
  }

  private view(): StoryRecord {
    const log = this.log!;
    return { ...(this.state as StoryRecord), lastSeq: log.lastSeq,
      viewers: log.subscriberCount, goneViewers: log.gone };
  }

  private async save(): Promise<void> {
    await this.ctx.storage.put('state', this.state);
  }

  /**
   * Logs an event and fans it out. The storage write is not awaited: the object's output gate
   * holds every outgoing byte until the write is durable, so no subscriber can see an event the
   * log could lose, and the fan-out does not wait for the disk.
   */
  private async emit(event: NewStoryEvent): Promise<void> {
    const log = this.log!;
    if (log.ended) return;
    const logged = log.append(event);
    void this.ctx.storage.put(`e:${String(logged.seq).padStart(8, '0')}`, logged);
    void log.publish(logged);
  }

  private previews = false;

  private async start({ id, baseUrl, spec, previews }: Started): Promise<StoryRecord> {
    this.previews = previews === true;
    if (this.state !== null) return this.view();
    this.state = {
      id, status: 'QUEUED', createdAt: new Date().toISOString(), progress: null, keyframes: [],
      frames: 0, page: null, video: null, timings: null, error: null, lastSeq: 0, viewers: 0,
      goneViewers: 0,
    };
    await this.save();
    this.run = new AbortController();
    this.ctx.waitUntil(this.generate(id, `${baseUrl}${STORIES_PATH}${id}/`, spec,
      this.run.signal));
    return this.view();
  }

  private async put(id: string, file: string, bytes: Uint8Array, contentType: string):
  Promise<void> {
    await this.env.BLOBS.put(storyKey(id, file), bytes, { httpMetadata: { contentType } });
  }

  private async generate(id: string, base: string, spec: StoryJobSpec, signal: AbortSignal):
  Promise<void> {
    const config = readConfig(this.env);
    const client = new StoryGpuClient(config.gpuServiceUrl, config.gpuServiceSecret);
    const created = Date.parse(this.state!.createdAt);
    let firstKeyframeMs: number | null = null;
    try {
      for await (const { meta, tensors } of client.start({ jobId: id, story: spec }, signal)) {
        const s = this.state!;
        if (s.status === 'CANCELLED') return;
        if (meta.type !== 'accepted' && s.status === 'QUEUED') s.status = 'RUNNING';
        await this.onFrame(meta, tensors, id, base);
        if (meta.type === 'keyframe' && firstKeyframeMs === null) {
          firstKeyframeMs = Date.now() - created;
        }
        if (meta.type === 'completed') {
          s.timings = { ...meta.timings, firstKeyframeMs };
          s.status = 'COMPLETED';
          s.progress = null;
          await this.save();
          await this.emit({ type: 'completed', story: this.view() });
          return;
        }
        if (meta.type === 'failed' || meta.type === 'cancelled') return;
      }
      await this.fail('UNAVAILABLE', 'The gpu-service stream ended before the story finished; '
        + 'create the story again.');
    } catch (error) {
      if (this.state!.status === 'CANCELLED') return;
      const { code, message } = error as { code?: string; message?: string };
      this.logger.warn('story job failed', { id, code, message });
      await this.fail(typeof code === 'string' ? code : 'UNAVAILABLE', typeof code === 'string'
        ? String(message) : 'The gpu-service could not make this story; retry later.');
    }
  }

  private async onFrame(meta: StoryStreamMeta, tensors: Record<string, FrameTensor>,
    id: string, base: string): Promise<void> {
    const s = this.state!;
    const bytes = (name: string) => tensors[name].data as Uint8Array;
    switch (meta.type) {
      case 'progress':
        s.progress = { stage: meta.stage, step: meta.step, of: meta.of };
        await this.emit({ type: 'progress', stage: meta.stage, step: meta.step, of: meta.of });
        return;
      case 'keyframe': {
        const file = `keyframe-${meta.index}.png`;
        await this.put(id, file, rgbPng(bytes('rgb'), meta.width, meta.height), 'image/png');
        const keyframe = { index: meta.index, url: `${base}${file}`, caption: meta.caption };
        s.keyframes.push(keyframe);
        await this.save();
        await this.emit({ type: 'keyframe', ...keyframe, announcedAt: Date.now() });
        return;
      }
      case 'frame': {
        const file = `frame-${meta.index}.png`;
        await this.put(id, file, rgbPng(bytes('rgb'), meta.width, meta.height), 'image/png');
        s.frames = meta.index + 1;
        const preview = this.previews ? await this.preview(tensors.latent as FrameTensor) : null;
        await this.emit({ type: 'frame', index: meta.index, url: `${base}${file}`, preview,
          announcedAt: Date.now() });
        return;
      }
      case 'page':
        await this.put(id, 'page.png', bytes('file'), meta.contentType);
        s.page = { url: `${base}page.png`, contentType: meta.contentType, width: meta.width,
          height: meta.height };
        await this.save();
        return;
      case 'video':
        await this.put(id, 'video.webp', bytes('file'), meta.contentType);
        s.video = { url: `${base}video.webp`, contentType: meta.contentType,
          frames: meta.frames, fps: meta.fps };
        await this.save();
        return;
      case 'failed':
        await this.fail(meta.code, meta.message);
        return;
      case 'cancelled':
        await this.markCancelled();
        return;
      default:
    }
  }

  /** The frame's latent decoded in WASM; null (logged) when the decoder is not available. */
  private async preview(latent: FrameTensor): Promise<string | null> {
    try {
      const previewer = await latentPreviewer(this.env.MODELS, this.env.STORY_BUNDLE
        ?? 'story-ref');
      return await previewer.preview(latent.data as Float32Array, latent.dims);
    } catch (error) {
      this.logger.warn('frame preview not decoded', { error });
      return null;
    }
  }

  private async fail(code: string, message: string): Promise<void> {
    const s = this.state!;
    if (s.status === 'COMPLETED' || s.status === 'FAILED' || s.status === 'CANCELLED') return;
    s.status = 'FAILED';
    s.error = { code, message };
    await this.save();
    await this.emit({ type: 'failed', code, message });
  }

  private async markCancelled(): Promise<void> {
    const s = this.state!;
    if (s.status === 'COMPLETED' || s.status === 'FAILED' || s.status === 'CANCELLED') return;
    s.status = 'CANCELLED';
    s.progress = null;
    await this.save();
    await this.emit({ type: 'cancelled' });
  }

  private async cancel(): Promise<StoryRecord> {
    const s = this.state!;
    if (s.status === 'QUEUED' || s.status === 'RUNNING') {
      const config = readConfig(this.env);
      const client = new StoryGpuClient(config.gpuServiceUrl, config.gpuServiceSecret);
      // Told explicitly, so the gpu-service stops within one scheduler step even if the
      // stream's end reaches it late; then the stream is dropped.
      await client.cancel(s.id).catch((error) => {
        this.logger.warn('gpu-service cancel call failed', { id: s.id, error });
      });
      await this.markCancelled();
      this.run?.abort();
    }
    return this.view();
  }

  /** The log after `after`, then live events, as NDJSON; heartbeats find gone subscribers. */
  private events(after: number, signal: AbortSignal): Response {
    const log = this.log!;
    if (after > log.lastSeq) {
      return Response.json({ error: `after is ${after}, but this story's last event so far `
        + `is ${log.lastSeq}; send the seq of an event received, or 0 for all.` },
      { status: 400 });
    }
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    const writer = writable.getWriter();
    const encoder = new TextEncoder();
    const id = this.nextSubscriber++;
    let heartbeat: ReturnType<typeof setInterval> | undefined;
    const subscriber = {
      id,
      write: (event: StoryEventRecord) =>
        writer.write(encoder.encode(`${JSON.stringify(event)}\n`)),
      close: () => {
        clearInterval(heartbeat);
        writer.close().catch(() => undefined);
      },
    };
    heartbeat = setInterval(() => {
      writer.write(encoder.encode('\n')).catch(() => log.unsubscribe(id, true));
    }, HEARTBEAT_MS);
    signal.addEventListener('abort', () => log.unsubscribe(id));
    void log.subscribe(subscriber, Number.isFinite(after) ? after : 0);
    return new Response(readable, {
      headers: { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' },
    });
  }
}
