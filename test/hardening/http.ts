/** Raw HTTP helpers for the hardening tests: any body, any header, status and JSON back. */

export interface Answer {
  status: number;
  headers: Headers;
  body: { data?: Record<string, any> | null;
    errors?: Array<{ message: string; extensions?: Record<string, unknown> }> } | null;
}

/** The first error's code, or `null` when the request succeeded without errors. */
export function codeOf(answer: Answer): string | null {
  const first = answer.body?.errors?.[0];
  return first ? String(first.extensions?.code ?? 'NO_CODE') : null;
}

/** Sends a request and reads the answer as JSON (`body` is null when it is not JSON). */
export async function send(url: string, init: RequestInit = {}): Promise<Answer> {
  const response = await fetch(url, { method: 'POST', ...init,
    signal: init.signal ?? AbortSignal.timeout(30_000) });
  const text = await response.text();
  let body: Answer['body'] = null;
  try {
    body = JSON.parse(text) as Answer['body'];
  } catch {
    body = null;
  }
  return { status: response.status, headers: response.headers, body };
}

/** A JSON GraphQL request. */
export function sendJson(
  url: string,
  payload: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  return send(url, { headers: { 'content-type': 'application/json', ...headers },
    body: typeof payload === 'string' ? payload : JSON.stringify(payload) });
}

/** A GraphQL multipart request with one file bound to `variables.file`. */
export function sendUpload(
  url: string,
  query: string,
  file: { bytes: Uint8Array; name: string; type: string },
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<Answer> {
  const form = new FormData();
  form.set('operations', JSON.stringify({ query, variables: { ...variables, file: null } }));
  form.set('map', JSON.stringify({ 0: ['variables.file'] }));
  form.set('0', new Blob([file.bytes], { type: file.type }), file.name);
  return send(url, { body: form, headers });
}
