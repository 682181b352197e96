/**
 * Stand-ins for the fault and load tests: an edge-side pixel bundle whose manifest is real but
 * whose decoder is never run (the tests select no mask field), and a fake gpu-service whose
 * behaviour can be switched between answering, refusing with BUSY, hanging, answering bytes
 * that are not a frame, and being down.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeFrame } from '../../shared/src/frame';
import { SignatureVerifier } from '../../shared/src/signing';
import type { PixelAnswerResponse } from '../../shared/src/wire';
import { ROOT } from '../../scripts/start';

export const STAND_IN = { name: 'pixel-ref', version: 'stand-in-hardening' } as const;

/** Writes `<dir>/pixel-ref/{manifest.json, pixel_decoder.onnx}` and returns `dir`. */
export function writeStandInBundle(dir = join(ROOT, '.wrangler', 'hardening-bundle')): string {
  rmSync(dir, { recursive: true, force: true });
  const folder = join(dir, STAND_IN.name);
  mkdirSync(folder, { recursive: true });
  const decoder = Buffer.from('stand-in decoder: never run by these tests');
  writeFileSync(join(folder, 'pixel_decoder.onnx'), decoder);
  const f32 = (name: string, shape: Array<number | string>) => ({ name, dtype: 'float32', shape });
  const manifest = {
    ...STAND_IN,
    kind: 'pixel',
    graphs: { pixel_decoder: {
      file: 'pixel_decoder.onnx', edge: true,
      sha256: createHash('sha256').update(decoder).digest('hex'),
      inputs: [f32('seg_hidden', ['targets', 6, 64]), f32('features_0', [1, 32, 8, 8]),
        f32('features_1', [1, 32, 16, 16])],
      outputs: [f32('mask_logits', ['targets', 64, 64]), f32('scores', ['targets'])],
    } },
    image: { size: 64, resize: 'longest-side', mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] },
    codebook: { scales: 2, tokensPerScale: 3, tokenIds: [[1, 2, 3], [4, 5, 6]],
      answer: 'per-target' },
    decoder: { maskSize: 64, levels: 2 },
  };
  writeFileSync(join(folder, 'manifest.json'), JSON.stringify(manifest, null, 2));
  return dir;
}

export type FakeMode = 'answer' | 'busy' | 'hang' | 'garbage';

/** A fake gpu-service on 127.0.0.1:`port` that checks signatures like the real one. */
export class FakeGpuService {
  mode: FakeMode = 'answer';
  /** Pipeline calls received, and how many carried a valid, fresh signature. */
  calls = 0;
  signedOk = 0;
  /** Delay before answering, in ms. */
  delayMs = 0;
  private server: Server | null = null;
  private readonly verifier: SignatureVerifier | null;

  constructor(readonly port: number, secret?: string) {
    this.verifier = secret ? new SignatureVerifier(secret) : null;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        if (req.url !== '/v1/pixel/answer') {
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"ready":true}');
          return;
        }
        this.calls++;
        const body = new Uint8Array(Buffer.concat(chunks));
        const headers = { get: (n: string) => (req.headers[n] as string | undefined) ?? null };
        if (this.verifier
          && (await this.verifier.verify('POST', req.url, headers, body)).ok) this.signedOk++;
        if (this.mode === 'hang') return;
        if (this.mode === 'garbage') {
          res.writeHead(200, { 'content-type': 'application/x-pixloom-frame' })
            .end('not a pixloom frame');
          return;
        }
        if (this.mode === 'busy') {
          res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '7' })
            .end(JSON.stringify({ error: { code: 'BUSY', message: 'The gpu-service is busy '
              + '(9 calls queued); retry after 7 s (Retry-After).' } }));
          return;
        }
        setTimeout(() => res.writeHead(200, { 'content-type': 'application/x-pixloom-frame' })
          .end(Buffer.from(encodeFrame<PixelAnswerResponse>(answer(this.port)))), this.delayMs);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    const server = this.server;
    this.server = null;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function answer(port: number): PixelAnswerResponse {
  return {
    answer: `nothing here (answered by ${port})`,
    targets: [],
    model: { ...STAND_IN },
    image: { width: 24, height: 16, content: { width: 64, height: 43 } },
    encoderRan: true,
    timings: { encodeMs: 1, lmMs: 1, totalMs: 2, tokens: 4 },
  };
}
