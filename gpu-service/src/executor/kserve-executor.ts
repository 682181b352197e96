/**
 * Runs a pipeline's graphs on a remote Open Inference Protocol (KServe v2) server, such as
 * Triton or another gpu-service, with tensors sent and received as binary tensor data. Each
 * graph is the model named by its manifest key unless `modelName` says otherwise. The pipeline
 * above it is unchanged: it asks for a graph run and gets onnxruntime tensors back.
 */
import type * as ort from 'onnxruntime-node';
import { signRequest } from '../../../shared/src/signing.js';
import type { BundleManifest, TensorDType } from '../../../shared/src/manifest.js';
import type { Feeds, GraphExecutor } from './graph-executor.js';
import {
  DATATYPES, encodeBody, HEADER_LENGTH, type InferRequest, type InferResponse, type ModelMetadata,
  readTensors, splitBody, tensorBytes,
} from './kserve-protocol.js';

export interface KServeExecutorOptions {
  /** The model name for a graph key. @default the key itself */
  modelName?: (graph: string) => string;
  /** Signs each inference call like the edge's calls (when the server has a secret). */
  secret?: string | null;
  /** Per-call timeout in milliseconds. @default 30 s */
  timeoutMs?: number;
}

/** The server answered with an error, or could not be reached. */
export class KServeError extends Error {
  override name = 'KServeError';
  constructor(readonly status: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export class KServeExecutor implements GraphExecutor {
  private readonly base: string;

  /** @param url the server's base URL, e.g. `http://127.0.0.1:8000` */
  constructor(url: string, private readonly options: KServeExecutorOptions = {}) {
    this.base = url.replace(/\/+$/, '');
  }

  private model(graph: string): string {
    return encodeURIComponent(this.options.modelName?.(graph) ?? graph);
  }

  async run(graph: string, feeds: Feeds): Promise<Feeds> {
    const inputs = Object.entries(feeds).map(([name, t]) => ({ name, tensor: t,
      bytes: tensorBytes(t) }));
    const request: InferRequest = {
      inputs: inputs.map(({ name, tensor, bytes }) => ({
        name, shape: [...tensor.dims], datatype: DATATYPES[tensor.type as TensorDType],
        parameters: { binary_data_size: bytes.byteLength },
      })),
      parameters: { binary_data_output: true },
    };
    const { body, headerLength } = encodeBody(request, inputs.map((i) => i.bytes));
    const path = `/v2/models/${this.model(graph)}/infer`;
    const signature = this.options.secret
      ? await signRequest(this.options.secret, 'POST', path, body) : {};
    const response = await this.fetch(path, {
      method: 'POST',
      headers: {
        'content-type': 'application/octet-stream',
        [HEADER_LENGTH]: String(headerLength),
        ...signature,
      },
      body,
    });
    const bytes = new Uint8Array(await response.arrayBuffer());
    const length = response.headers.get(HEADER_LENGTH);
    const { header, binary } = splitBody(bytes, length === null ? null : Number(length));
    const reply = header as InferResponse;
    return readTensors(reply.outputs, binary) as Record<string, ort.Tensor>;
  }

  /**
   * Checks that the server serves every graph of `manifest` with the manifest's input and
   * output names, so a misconfigured server fails at start rather than on the first request.
   */
  async check(manifest: BundleManifest, graphs = Object.keys(manifest.graphs)): Promise<void> {
    for (const graph of graphs) {
      const response = await this.fetch(`/v2/models/${this.model(graph)}`, { method: 'GET' });
      const meta = await response.json() as ModelMetadata;
      const spec = manifest.graphs[graph];
      const names = (ts: Array<{ name: string }>) => ts.map((t) => t.name).sort().join(', ');
      if (names(meta.inputs) !== names(spec.inputs)
        || names(meta.outputs) !== names(spec.outputs)) {
        throw new KServeError(409, `${this.base} serves ${graph} with inputs `
          + `${names(meta.inputs)} and outputs ${names(meta.outputs)}, but the bundle's graph `
          + `has ${names(spec.inputs)} and ${names(spec.outputs)}; point the executor at a `
          + 'server that serves this bundle.');
      }
    }
  }

  track<T>(work: () => Promise<T>): Promise<T> {
    return work();
  }

  async release(): Promise<void> {}

  private async fetch(path: string, init: RequestInit): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(`${this.base}${path}`, {
        ...init, signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
      });
    } catch (cause) {
      throw new KServeError(503, `The inference server at ${this.base} cannot be reached `
        + `(${(cause as Error).message}); check PIXLOOM_KSERVE_URL and that it is running.`,
      { cause });
    }
    if (!response.ok) {
      const text = await response.text();
      let message = text;
      try {
        message = (JSON.parse(text) as { error?: string }).error ?? text;
      } catch {
        // not JSON: keep the text
      }
      throw new KServeError(response.status, `The inference server at ${this.base} answered `
        + `${response.status} for ${path}: ${message}`);
    }
    return response;
  }
}
