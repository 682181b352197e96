/**
 * A fake gpu-service for story jobs: streams the events of a short story (progress,
 * keyframes, frames, page, video, completed) as length-prefixed tensor frames, like the real
 * one, or drops the connection after two keyframes, as a killed process would.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import { decodeFrame, encodeFrame, tensor, type FrameTensor } from '../../shared/src/frame';
import type { StoryJobRequest, StoryStreamMeta } from '../../shared/src/story-wire';

export type StoryMode = 'complete' | 'die-after-keyframes';

const SIDE = 8;
const rgb = () => tensor('rgb', new Uint8Array(SIDE * SIDE * 3).fill(120), [SIDE, SIDE, 3]);

/** Events of one story: 3 keyframes, 4 frames; what the edge announces is counted in tests. */
export const KEYFRAMES = 3;
export const FRAMES = 4;

export class FakeStoryService {
  mode: StoryMode = 'complete';
  /** Delay between two events, in ms. */
  stepMs = 40;
  jobs = 0;
  private server: Server | null = null;

  constructor(readonly port: number, private readonly png: Uint8Array,
    private readonly webp: Uint8Array) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.url?.endsWith('/cancel')) {
          res.writeHead(200, { 'content-type': 'application/json' })
            .end('{"cancelled":false}');
          return;
        }
        const { meta } = decodeFrame<StoryJobRequest>(new Uint8Array(Buffer.concat(chunks)));
        this.jobs++;
        void this.stream(res, meta.jobId);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
  }

  private async stream(res: ServerResponse, jobId: string): Promise<void> {
    res.writeHead(200, { 'content-type': 'application/x-pixloom-frame-stream' });
    const send = async (meta: StoryStreamMeta, tensors: FrameTensor[] = []) => {
      await new Promise((r) => setTimeout(r, this.stepMs));
      const frame = encodeFrame(meta, tensors);
      const out = new Uint8Array(4 + frame.byteLength);
      new DataView(out.buffer).setUint32(0, frame.byteLength, true);
      out.set(frame, 4);
      res.write(out);
    };
    await send({ type: 'accepted', jobId, waiting: 0 });
    await send({ type: 'progress', stage: 'identity', step: 1, of: 2 });
    for (let i = 0; i < KEYFRAMES; i++) {
      if (this.mode === 'die-after-keyframes' && i === 2) {
        // What was written reaches the edge; then the process is gone mid-story.
        await new Promise((r) => setTimeout(r, this.stepMs));
        res.destroy();
        return;
      }
      await send({ type: 'keyframe', index: i, caption: `panel ${i}`, width: SIDE,
        height: SIDE }, [rgb()]);
    }
    for (let i = 0; i < FRAMES; i++) {
      await send({ type: 'frame', index: i, width: SIDE, height: SIDE }, [rgb()]);
    }
    await send({ type: 'page', contentType: 'image/png', width: SIDE, height: SIDE },
      [tensor('file', this.png, [this.png.length])]);
    await send({ type: 'video', contentType: 'image/webp', frames: FRAMES, fps: 8 },
      [tensor('file', this.webp, [this.webp.length])]);
    await send({ type: 'completed', timings: { seed: 1, queuedMs: 0, textMs: 1, identityMs: 1,
      panelsMs: 1, framesMs: 1, pageMs: 1, videoMs: 1, totalMs: 10 } });
    res.end();
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    const server = this.server;
    this.server = null;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
