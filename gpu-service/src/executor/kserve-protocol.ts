/**
 * The Open Inference Protocol (KServe v2) REST shapes, and tensors to and from its two
 * encodings: JSON `data` arrays, and the binary tensor data extension (raw little-endian bytes
 * after the JSON header, whose length is in the `Inference-Header-Content-Length` header, each
 * tensor's byte count in its `binary_data_size` parameter).
 */
import * as ort from 'onnxruntime-node';
import type { TensorDType } from '../../../shared/src/manifest.js';

export const HEADER_LENGTH = 'inference-header-content-length';

export type Parameters = Record<string, string | number | boolean>;

/** `$request_input` / `$response_output`. */
export interface WireTensor {
  name: string;
  shape: number[];
  datatype: string;
  parameters?: Parameters;
  data?: unknown[];
}

/** `$inference_request`. */
export interface InferRequest {
  id?: string;
  parameters?: Parameters;
  inputs: WireTensor[];
  outputs?: Array<{ name: string; parameters?: Parameters }>;
}

/** `$inference_response`. */
export interface InferResponse {
  model_name: string;
  model_version?: string;
  id?: string;
  parameters?: Parameters;
  outputs: WireTensor[];
}

/** `$metadata_model_response`. */
export interface ModelMetadata {
  name: string;
  versions?: string[];
  platform: string;
  inputs: Array<{ name: string; datatype: string; shape: number[] }>;
  outputs: Array<{ name: string; datatype: string; shape: number[] }>;
}

/** A request the protocol layer cannot use; `status` is the HTTP status to answer with. */
export class InferError extends Error {
  override name = 'InferError';
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** The protocol's datatype names for the element types pixloom bundles use. */
export const DATATYPES: Record<TensorDType, string> = {
  float32: 'FP32', float16: 'FP16', int64: 'INT64', int32: 'INT32', bool: 'BOOL', uint8: 'UINT8',
};

const ELEMENT_TYPES = Object.fromEntries(Object.entries(DATATYPES).map(([k, v]) => [v, k])) as
  Record<string, TensorDType>;

const ARRAYS = {
  float32: Float32Array, float16: Uint16Array, int64: BigInt64Array, int32: Int32Array,
  bool: Uint8Array, uint8: Uint8Array,
} as const;

type TensorData = InstanceType<(typeof ARRAYS)[TensorDType]>;

export function elementType(datatype: string): TensorDType | null {
  return ELEMENT_TYPES[datatype] ?? null;
}

export function elementCount(shape: number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

/** The raw bytes of a tensor (little-endian on every platform Node runs on here). */
export function tensorBytes(t: ort.Tensor): Uint8Array {
  const data = t.data as TensorData;
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** A tensor from the bytes of the binary extension (copied, so the view is aligned). */
export function tensorFromBytes(type: TensorDType, shape: number[], bytes: Uint8Array):
ort.Tensor {
  const Ctor = ARRAYS[type];
  const width = Ctor.BYTES_PER_ELEMENT;
  if (bytes.byteLength !== elementCount(shape) * width) {
    throw new InferError(400, `binary data of ${bytes.byteLength} bytes does not hold shape `
      + `[${shape.join(', ')}] of ${DATATYPES[type]} (${elementCount(shape) * width} bytes)`);
  }
  const data = new Ctor(bytes.slice().buffer);
  return new ort.Tensor(type as 'float32', data as Float32Array, shape);
}

function flatten(values: unknown[]): unknown[] {
  return values.some(Array.isArray) ? values.flat(Infinity as 1) : values;
}

/** A tensor from a JSON `data` array (flat, or nested row-major). */
export function tensorFromJson(type: TensorDType, shape: number[], values: unknown[]):
ort.Tensor {
  const flat = flatten(values);
  if (flat.length !== elementCount(shape)) {
    throw new InferError(400, `data has ${flat.length} elements but shape `
      + `[${shape.join(', ')}] needs ${elementCount(shape)}`);
  }
  if (type === 'float16') throw new InferError(400, 'FP16 data must use the binary extension');
  if (!flat.every((v) => typeof v === 'number' || typeof v === 'boolean')) {
    throw new InferError(400, `data of a ${DATATYPES[type]} tensor must hold numbers only`);
  }
  const numbers = flat as number[];
  if (type === 'int64') {
    if (!numbers.every(Number.isInteger)) {
      throw new InferError(400, 'data of an INT64 tensor must hold integers only');
    }
    return new ort.Tensor('int64', BigInt64Array.from(numbers, BigInt), shape);
  }
  const Ctor = ARRAYS[type] as Float32ArrayConstructor;
  return new ort.Tensor(type as 'float32', Ctor.from(numbers, Number), shape);
}

/** A JSON `data` array for a tensor (INT64 values as JSON numbers). */
export function tensorToJson(t: ort.Tensor): number[] {
  const data = t.data as TensorData;
  return data instanceof BigInt64Array ? Array.from(data, Number) : Array.from(data as
    Float32Array);
}

/** The JSON header followed by the binary tensors, and the header's length. */
export function encodeBody(header: object, binaries: Uint8Array[]):
{ body: Buffer; headerLength: number } {
  const json = Buffer.from(JSON.stringify(header));
  return { body: Buffer.concat([json, ...binaries]), headerLength: json.byteLength };
}

/**
 * Splits a body into its JSON header and the binary part after it.
 *
 * @param headerLength the `Inference-Header-Content-Length` value; null when the whole body is
 *   JSON
 */
export function splitBody(body: Uint8Array, headerLength: number | null):
{ header: unknown; binary: Uint8Array } {
  const length = headerLength ?? body.byteLength;
  if (!Number.isInteger(length) || length < 0 || length > body.byteLength) {
    throw new InferError(400, `Inference-Header-Content-Length ${headerLength} does not fit a `
      + `body of ${body.byteLength} bytes`);
  }
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(body.buffer, body.byteOffset, length).toString('utf8'));
  } catch (cause) {
    throw new InferError(400, `the request header is not JSON: ${(cause as Error).message}`);
  }
  return { header, binary: body.subarray(length) };
}

/**
 * Reads the tensors of a header and its binary part: each tensor with a `binary_data_size`
 * parameter takes that many bytes from the binary part, in order; the others carry `data`.
 */
export function readTensors(tensors: WireTensor[], binary: Uint8Array): Record<string, ort.Tensor> {
  const out: Record<string, ort.Tensor> = {};
  let offset = 0;
  for (const t of tensors) {
    const type = elementType(t.datatype);
    if (!type) {
      throw new InferError(400, `tensor ${t.name} has datatype ${t.datatype}; this server reads `
        + `${Object.values(DATATYPES).join(', ')}`);
    }
    if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new InferError(400, `tensor ${t.name} needs a shape of non-negative integers`);
    }
    const size = t.parameters?.binary_data_size;
    if (size !== undefined) {
      if (typeof size !== 'number' || !Number.isInteger(size) || size < 0
        || offset + size > binary.byteLength) {
        throw new InferError(400, `tensor ${t.name} has binary_data_size ${String(size)}, but `
          + `${binary.byteLength - offset} bytes of binary data are left`);
      }
      out[t.name] = tensorFromBytes(type, t.shape, binary.subarray(offset, offset + size));
      offset += size;
    } else if (Array.isArray(t.data)) {
      out[t.name] = tensorFromJson(type, t.shape, t.data);
    } else {
      throw new InferError(400, `tensor ${t.name} has neither data nor binary_data_size`);
    }
  }
  if (offset !== binary.byteLength) {
    throw new InferError(400, `${binary.byteLength - offset} bytes of binary data are not `
      + 'claimed by any binary_data_size');
  }
  return out;
}
