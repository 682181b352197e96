/**
 * Error codes shared by the edge and the gpu-service. A user-facing error carries one of these
 * codes and a message that says what was wrong and how to fix the call; anything else is an
 * internal error, masked before it reaches a client.
 */

/** Every error code and the HTTP status it maps to. */
export const ERROR_STATUS = {
  /** The request is malformed: a missing or invalid argument, a bad frame. */
  BAD_REQUEST: 400,
  /** The call to the gpu-service is unsigned, badly signed, stale or replayed. */
  UNAUTHENTICATED: 401,
  /** The API key lacks the scope this operation needs. */
  FORBIDDEN: 403,
  /** The query is too deep, too costly, or has too many aliases, tokens or directives. */
  QUERY_TOO_COMPLEX: 400,
  /** The API key sent more requests than its rate allows; retry after `Retry-After` seconds. */
  RATE_LIMITED: 429,
  /** The bytes claim to be an image of a supported format but cannot be read. */
  BAD_IMAGE: 400,
  /** The bytes are not PNG, JPEG or WebP. */
  UNSUPPORTED_IMAGE: 415,
  /** The image has too many bytes or too many pixels. */
  IMAGE_TOO_LARGE: 413,
  /** The request body is larger than the service accepts. */
  PAYLOAD_TOO_LARGE: 413,
  /** The request body has a content type the endpoint does not read. */
  UNSUPPORTED_MEDIA_TYPE: 415,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  /** The service is starting, overloaded or cannot reach a dependency; retry later. */
  UNAVAILABLE: 503,
  /** A job queue is full; retry after the `Retry-After` seconds. */
  BUSY: 503,
  /** A job ran longer than the service allows. */
  TIMEOUT: 504,
  /** The job was cancelled before it finished. */
  CANCELLED: 409,
  /** Anything unexpected. The message a client sees names only the request id. */
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** An error a caller can act on: a code, an HTTP status and a sentence saying how to fix it. */
export class PixloomError extends Error {
  override name = 'PixloomError';
  readonly code: ErrorCode;

  /**
   * @param code one of {@link ERROR_STATUS}'s keys
   * @param message what was wrong and how to fix the call, e.g.
   *   "The image is 9000×9000 pixels; send at most 16.8 megapixels (downscale it first)."
   */
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }

  /** The HTTP status for this error's code. */
  get status(): number {
    return ERROR_STATUS[this.code];
  }

  /** The JSON body both services send for a failed call: `{ error: { code, message } }`. */
  toJSON(): { error: { code: ErrorCode; message: string } } {
    return { error: { code: this.code, message: this.message } };
  }
}

/** Whether `value` is a {@link PixloomError} (also across module copies, by shape). */
export function isPixloomError(value: unknown): value is PixloomError {
  if (value instanceof PixloomError) return true;
  const e = value as { name?: unknown; code?: unknown } | null;
  return typeof e === 'object' && e !== null && e.name === 'PixloomError'
    && typeof e.code === 'string' && e.code in ERROR_STATUS;
}
