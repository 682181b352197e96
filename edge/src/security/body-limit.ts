/**
 * Size limits on GraphQL request bodies, checked from `content-length` before yoga reads the
 * body. A JSON operation needs a few kilobytes; only multipart uploads may carry an image.
 */

/** Largest JSON (or other non-multipart) body: operation, variables and extensions. */
export const MAX_JSON_BODY_BYTES = 64 * 1024;

function isMultipart(request: Request): boolean {
  return (request.headers.get('content-type') ?? '').toLowerCase()
    .startsWith('multipart/form-data');
}

/**
 * Refuses a non-multipart GraphQL body over {@link MAX_JSON_BODY_BYTES} with
 * `PAYLOAD_TOO_LARGE` (413); `null` when the request may go on.
 */
export function refuseLargeJsonBody(request: Request): Response | null {
  if (request.method !== 'POST' || isMultipart(request)) return null;
  const declared = Number(request.headers.get('content-length') ?? 0);
  if (!(declared > MAX_JSON_BODY_BYTES)) return null;
  const message = `The request body has ${declared} bytes; a GraphQL operation with its `
    + `variables may have at most ${MAX_JSON_BODY_BYTES} bytes. Send images as multipart `
    + 'uploads (or their uploadImage id), and split huge variables over several requests.';
  return Response.json({ errors: [{ message, extensions: { code: 'PAYLOAD_TOO_LARGE' } }] },
    { status: 413 });
}

/**
 * A body sent without `content-length` (chunked) is read here, up to `maxBytes`: past that the
 * rest is dropped as it arrives (never held) and the request is refused with 413; otherwise a
 * request with the buffered body goes on. Requests that declare their length pass unchanged
 * (checked above).
 */
export async function capChunkedBody<R extends Request>(
  request: R,
  maxBytes: number,
): Promise<R | Response> {
  if (!request.body || request.headers.has('content-length')) return request;
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      // The rest is read and dropped, not cancelled: a connection left half-read answers the
      // client's next request with an error.
      while (!(await reader.read()).done) { /* discarded */ }
      const message = `The request body is over ${maxBytes} bytes; send a GraphQL operation `
        + `of at most ${MAX_JSON_BODY_BYTES} bytes, or an image within the upload limit.`;
      return Response.json({ errors: [{ message, extensions: { code: 'PAYLOAD_TOO_LARGE' } }] },
        { status: 413 });
    }
    chunks.push(value);
  }
  const body = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    body.set(chunk, at);
    at += chunk.byteLength;
  }
  return new Request(request, { body }) as R;
}

/** The most a chunked body may carry: a JSON operation, or an image with multipart framing. */
export function chunkedLimit(request: Request, maxImageBytes: number): number {
  return isMultipart(request) ? maxImageBytes + 1024 * 1024 : MAX_JSON_BODY_BYTES;
}
