/**
 * Serves an R2 object as an immutable file: its content type, long-lived cache headers, its
 * ETag, a byte range (`Range: bytes=a-b`, `a-` or `-n` → 206 with `Content-Range`; a range
 * that starts past the end → 416) and conditional requests (`If-None-Match` → 304). R2 reads
 * only the asked bytes. A header naming several ranges gets the whole file (200), as HTTP
 * allows.
 */
export interface FileHeaders {
  contentType: string;
  /** `Content-Disposition`, when the file should download under a name. */
  disposition?: string;
}

type ByteRange = { offset: number; length?: number } | { suffix: number };

/** The single byte range a `Range` header asks for; null for none, several or a malformed one. */
export function parseRange(header: string | null): ByteRange | null {
  const m = header === null ? null : /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  if (m[1] === '') return Number(m[2]) > 0 ? { suffix: Number(m[2]) } : null;
  const offset = Number(m[1]);
  if (m[2] === '') return { offset };
  const last = Number(m[2]);
  return last < offset ? null : { offset, length: last - offset + 1 };
}

function unsatisfiable(size: number): Response {
  return new Response('Range not satisfiable', { status: 416,
    headers: { 'content-range': `bytes */${size}` } });
}

export async function serveR2File(bucket: R2Bucket, key: string, request: Request,
  file: FileHeaders): Promise<Response> {
  const range = parseRange(request.headers.get('range'));
  if (range && 'offset' in range) {
    // R2 refuses (or clamps) a range that starts past the end: answer 416 as HTTP says.
    const head = await bucket.head(key);
    if (head === null) return new Response('Not found', { status: 404 });
    if (range.offset >= head.size) return unsatisfiable(head.size);
  }
  const object = await bucket.get(key, { onlyIf: request.headers, ...(range ? { range } : {}) });
  if (object === null) return new Response('Not found', { status: 404 });
  const headers = new Headers({
    'content-type': object.httpMetadata?.contentType ?? file.contentType,
    'cache-control': 'public, max-age=31536000, immutable',
    'accept-ranges': 'bytes',
    etag: object.httpEtag,
  });
  if (file.disposition) headers.set('content-disposition', file.disposition);
  if (!('body' in object)) return new Response(null, { status: 304, headers });
  if (!range) {
    headers.set('content-length', String(object.size));
    return new Response(object.body, { headers });
  }
  const offset = 'suffix' in range ? Math.max(0, object.size - range.suffix) : range.offset;
  const length = Math.min('suffix' in range ? object.size - offset
    : range.length ?? object.size - offset, object.size - offset);
  headers.set('content-length', String(length));
  headers.set('content-range', `bytes ${offset}-${offset + length - 1}/${object.size}`);
  return new Response(object.body, { status: 206, headers });
}
