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
