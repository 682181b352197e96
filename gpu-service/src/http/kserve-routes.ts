/**
 * The gpu-service's own graphs over the Open Inference Protocol (KServe v2) REST API, as an
 * inference server such as Triton serves them:
 *
 *   GET  /v2                                            server metadata
 *   GET  /v2/models/{name}[/versions/{version}]         model metadata
 *   GET  /v2/models/{name}[/versions/{version}]/ready   `{ name, ready }`
 *   POST /v2/models/{name}[/versions/{version}]/infer   JSON tensors or binary tensor data
 *
 * (`/v2/health/live` and `/v2/health/ready` are the server's own routes.) Each graph of the
 * served bundle is a model named by its manifest key (`image_encoder`, `lm_step`, …) whose
 * version is the bundle's version. Calls run through the same executor as the pipelines, so
 * they join the dynamic batches. Errors are `{ "error": "<message>" }` with a 4xx or 5xx status.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type * as ort from 'onnxruntime-node';
import packageJson from '../../../package.json' with { type: 'json' };
import { isPixloomError } from '../../../shared/src/errors.js';
import type { Logger } from '../../../shared/src/logger.js';
import type { BundleManifest, GraphSpec } from '../../../shared/src/manifest.js';
import type { Feeds, GraphExecutor } from '../executor/graph-executor.js';
import {
  DATATYPES, encodeBody, HEADER_LENGTH, type InferRequest, type InferResponse, InferError,
  type ModelMetadata, readTensors, splitBody, tensorBytes, tensorToJson, type WireTensor,
} from '../executor/kserve-protocol.js';
import { sendJson } from './respond.js';

const MODEL_PATH = /^\/v2\/models\/([^/]+)(?:\/versions\/([^/]+))?(\/ready|\/infer)?$/;

export interface KServeModels {
  manifest: BundleManifest;
  executor: GraphExecutor;
}

/** Whether `path` is server metadata or a model route (the health routes are not). */
export function isKServePath(path: string): boolean {
  return path === '/v2' || path.startsWith('/v2/models/');
}

export class KServeRoutes {
  constructor(private readonly models: KServeModels) {}

  /**
   * Answers one call on a model route. Never throws: every failure becomes a v2 error body.
   *
   * @param readBody reads (and authenticates) the request body
   */
  async handle(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    readBody: () => Promise<Uint8Array>,
    logger: Logger,
  ): Promise<void> {
    try {
      await this.route(req, res, path, readBody);
    } catch (error) {
      const status = error instanceof InferError ? error.status
        : isPixloomError(error) ? error.status : 500;
      if (status >= 500 && !isPixloomError(error)) {
        logger.error('inference call failed', { error });
        sendJson(res, 500, { error: 'inference failed inside the server; see its log' });
        return;
      }
      logger.info('inference call refused', { status, message: (error as Error).message });
      if (res.headersSent) res.destroy();
      else sendJson(res, status, { error: (error as Error).message });
    }
  }

  private async route(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    readBody: () => Promise<Uint8Array>,
  ): Promise<void> {
    if (path === '/v2') {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.setHeader('allow', 'GET');
        throw new InferError(405, `/v2 takes GET, not ${req.method}`);
      }
      sendJson(res, 200, { name: 'pixloom-gpu-service', version: packageJson.version,
        extensions: ['binary_tensor_data'] });
      return;
    }
    const match = MODEL_PATH.exec(path);
    if (!match) throw new InferError(404, `no model route ${path}`);
    const [, rawName, version, action = ''] = match;
    const name = decodeURIComponent(rawName);
    const spec = this.spec(name, version);
    const method = action === '/infer' ? 'POST' : 'GET';
    if ((req.method === 'HEAD' ? 'GET' : req.method) !== method) {
      res.setHeader('allow', method);
      throw new InferError(405, `${path} takes ${method}, not ${req.method}`);
    }
    if (action === '/ready') {
      sendJson(res, 200, { name, ready: true });
      return;
    }
    if (action === '') {
      sendJson(res, 200, this.metadata(name, spec));
      return;
    }
    await this.infer(req, res, name, spec, await readBody());
  }

  private spec(name: string, version: string | undefined): GraphSpec {
    const { manifest } = this.models;
    const spec = Object.hasOwn(manifest.graphs, name) ? manifest.graphs[name] : undefined;
    if (!spec) {
      throw new InferError(404, `unknown model "${name}"; this server serves `
        + `${Object.keys(manifest.graphs).join(', ')}`);
    }
    if (version !== undefined && decodeURIComponent(version) !== manifest.version) {
      throw new InferError(404, `model "${name}" has no version "${version}"; it has `
        + `${manifest.version}`);
    }
    return spec;
  }

  private metadata(name: string, spec: GraphSpec): ModelMetadata {
    const shape = (dims: Array<number | string>) => dims.map((d) => (typeof d === 'number' ? d
      : -1));
    const tensor = (t: GraphSpec['inputs'][number]) => ({
      name: t.name, datatype: DATATYPES[t.dtype], shape: shape(t.shape),
    });
    return {
      name,
      versions: [this.models.manifest.version],
      platform: 'onnxruntime_onnx',
      inputs: spec.inputs.map(tensor),
      outputs: spec.outputs.map(tensor),
    };
  }

  private async infer(
    req: IncomingMessage,
    res: ServerResponse,
    name: string,
    spec: GraphSpec,
    body: Uint8Array,
  ): Promise<void> {
    const rawLength = req.headers[HEADER_LENGTH];
    const headerLength = typeof rawLength === 'string' ? Number(rawLength) : null;
    const { header, binary } = splitBody(body, headerLength);
    const request = checkRequest(header);
    const feeds = readTensors(request.inputs, binary);
    checkFeeds(spec, request.inputs, feeds);

    const wanted = request.outputs?.map((o) => o.name) ?? spec.outputs.map((o) => o.name);
    for (const output of wanted) {
      if (!spec.outputs.some((o) => o.name === output)) {
        throw new InferError(400, `model "${name}" has no output "${output}"; it has `
          + `${spec.outputs.map((o) => o.name).join(', ')}`);
      }
    }
    const outputs = await this.models.executor.run(name, feeds);
    sendResponse(res, {
      model_name: name,
      model_version: this.models.manifest.version,
      ...(request.id !== undefined ? { id: request.id } : {}),
    }, request, wanted, outputs);
  }
}

function checkRequest(header: unknown): InferRequest {
  const request = header as InferRequest;
  if (typeof request !== 'object' || request === null || !Array.isArray(request.inputs)) {
    throw new InferError(400, 'the request needs an "inputs" array of tensors');
  }
  for (const t of request.inputs) {
    if (typeof t?.name !== 'string' || typeof t.datatype !== 'string') {
      throw new InferError(400, 'each input needs a name, a datatype and a shape');
    }
  }
  if (request.outputs !== undefined && (!Array.isArray(request.outputs)
    || !request.outputs.every((o) => typeof o?.name === 'string'))) {
    throw new InferError(400, '"outputs" must be an array of { name } objects');
  }
  return request;
}

/** Names, datatypes and shapes against the graph's manifest entry; named axes must agree. */
function checkFeeds(spec: GraphSpec, inputs: WireTensor[], feeds: Feeds): void {
  const given = inputs.map((t) => t.name);
  const expected = spec.inputs.map((t) => t.name);
  const missing = expected.filter((n) => !given.includes(n));
  const extra = given.filter((n) => !expected.includes(n));
  const repeated = given.filter((n, i) => given.indexOf(n) !== i);
  const problems = [
    missing.length ? `missing ${missing.join(', ')}` : '',
    extra.length ? `unknown ${extra.join(', ')}` : '',
    repeated.length ? `repeated ${repeated.join(', ')}` : '',
  ].filter(Boolean);
  if (problems.length) {
    throw new InferError(400, `the model takes inputs ${expected.join(', ')}: `
      + `${problems.join('; ')}`);
  }
  const axes = new Map<string, number>();
  for (const t of spec.inputs) {
    const feed = feeds[t.name];
    const datatype = inputs.find((i) => i.name === t.name)?.datatype;
    if (datatype !== DATATYPES[t.dtype]) {
      throw new InferError(400, `input ${t.name} is ${DATATYPES[t.dtype]}, not ${datatype}`);
    }
    const bad = () => new InferError(400, `input ${t.name} has shape [${feed.dims.join(', ')}]; `
      + `the model takes [${t.shape.map((d) => (typeof d === 'number' ? d : -1)).join(', ')}]`);
    if (feed.dims.length !== t.shape.length) throw bad();
    t.shape.forEach((d, i) => {
      if (typeof d === 'number' && feed.dims[i] !== d) throw bad();
      if (typeof d === 'string') {
        const seen = axes.get(d);
        if (seen !== undefined && seen !== feed.dims[i]) {
          throw new InferError(400, `axis "${d}" is ${seen} in one input and ${feed.dims[i]} in `
            + `${t.name}; inputs must agree on it`);
        }
        axes.set(d, feed.dims[i]);
      }
    });
  }
}

function sendResponse(
  res: ServerResponse,
  head: Omit<InferResponse, 'outputs'>,
  request: InferRequest,
  wanted: string[],
  outputs: Record<string, ort.Tensor>,
): void {
  const allBinary = request.parameters?.binary_data_output === true;
  const binaries: Uint8Array[] = [];
  const tensors: WireTensor[] = wanted.map((name) => {
    const t = outputs[name];
    const asked = request.outputs?.find((o) => o.name === name)?.parameters?.binary_data;
    const wire: WireTensor = {
      name, shape: [...t.dims], datatype: DATATYPES[t.type as keyof typeof DATATYPES],
    };
    if (asked ?? allBinary) {
      const bytes = tensorBytes(t);
      binaries.push(bytes);
      wire.parameters = { binary_data_size: bytes.byteLength };
    } else {
      wire.data = tensorToJson(t);
    }
    return wire;
  });
  const { body, headerLength } = encodeBody({ ...head, outputs: tensors }, binaries);
  res.writeHead(200, {
    'content-type': binaries.length ? 'application/octet-stream' : 'application/json',
    'content-length': body.byteLength,
    ...(binaries.length ? { [HEADER_LENGTH]: headerLength } : {}),
  });
  res.end(body);
}
