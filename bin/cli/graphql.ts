/**
 * GraphQL over HTTP for the CLI: JSON requests, and uploads with the GraphQL multipart request
 * spec (`operations`, `map`, then the file parts).
 */
import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';

/** A call the API answered with errors, or could not be made; carries the API's code. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

export interface Endpoint {
  /** The GraphQL URL, e.g. `http://127.0.0.1:8787/graphql`. */
  url: string;
  /** An API key (`pxl_…`) sent as a bearer token, when the deployment needs one. */
  apiKey?: string;
}

interface GraphQLResponse<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/** The request headers every call sends. */
export function authHeaders(endpoint: Endpoint): Record<string, string> {
  return endpoint.apiKey ? { authorization: `Bearer ${endpoint.apiKey}` } : {};
}

async function read<T>(endpoint: Endpoint, res: Response): Promise<T> {
  const text = await res.text();
  let body: GraphQLResponse<T>;
  try {
    body = JSON.parse(text) as GraphQLResponse<T>;
  } catch {
    throw new ApiError('BAD_RESPONSE', `${endpoint.url} answered ${res.status} with something `
      + `other than GraphQL JSON: ${text.slice(0, 200)}. Check --url.`);
  }
  const error = body.errors?.[0];
  if (error || !body.data) {
    const code = error?.extensions?.code ?? `HTTP_${res.status}`;
    throw new ApiError(code, error?.message
      ?? `${endpoint.url} answered ${res.status} without data.`);
  }
  return body.data;
}

async function send(endpoint: Endpoint, init: RequestInit): Promise<Response> {
  try {
    return await fetch(endpoint.url, init);
  } catch (cause) {
    throw new ApiError('UNREACHABLE', `Cannot reach ${endpoint.url} `
      + `(${(cause as Error).cause ?? (cause as Error).message}); start pixloom with npm start `
      + 'or pass --url with the GraphQL URL of a running deployment.');
  }
}

/** Runs one operation with JSON variables and returns its `data`. */
export async function graphql<T>(
  endpoint: Endpoint, query: string, variables: Record<string, unknown>,
): Promise<T> {
  const res = await send(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json',
      ...authHeaders(endpoint) },
    body: JSON.stringify({ query, variables }),
  });
  return read<T>(endpoint, res);
}

const MEDIA_TYPES: Record<string, string> = {
  '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.webp': 'image/webp',
};

/**
 * Runs one operation with a file read from `path` as the variable `fileVariable` (a GraphQL
 * multipart request).
 */
export async function graphqlUpload<T>(
  endpoint: Endpoint,
  query: string,
  variables: Record<string, unknown>,
  fileVariable: string,
  path: string,
): Promise<T> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (cause) {
    throw new ApiError('FILE_UNREADABLE', `Cannot read ${path} `
      + `(${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}); give the path `
      + 'of a PNG, JPEG or WebP file.');
  }
  const form = new FormData();
  const operations = { query, variables: { ...variables, [fileVariable]: null } };
  form.set('operations', JSON.stringify(operations));
  form.set('map', JSON.stringify({ 0: [`variables.${fileVariable}`] }));
  const type = MEDIA_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
  form.set('0', new Blob([bytes], { type }), basename(path));
  const res = await send(endpoint, {
    method: 'POST', headers: { accept: 'application/json', ...authHeaders(endpoint) }, body: form,
  });
  return read<T>(endpoint, res);
}
