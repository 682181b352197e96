/**
 * Signed edge → gpu-service calls: HMAC-SHA256 over the method, the path, the SHA-256 of the
 * body, a timestamp and a nonce. The gpu-service refuses unsigned, stale or replayed calls.
 * Uses WebCrypto only, so the same code runs in workerd and in Node.
 */

export const SIGNATURE_HEADERS = {
  timestamp: 'x-pixloom-timestamp',
  nonce: 'x-pixloom-nonce',
  signature: 'x-pixloom-signature',
} as const;

/** Default freshness window for a signed call, in milliseconds. */
export const DEFAULT_MAX_SKEW_MS = 60_000;

const encoder = new TextEncoder();

function hex(bytes: ArrayBuffer): string {
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('');
}

async function sha256Hex(body: Uint8Array): Promise<string> {
  return hex(await crypto.subtle.digest('SHA-256', body));
}

async function hmacKey(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey(
    'raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify'],
  );
}

function canonical(method: string, path: string, bodyHash: string, ts: string, nonce: string) {
  return [method.toUpperCase(), path, bodyHash, ts, nonce].join('\n');
}

function randomNonce(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return hex(bytes.buffer);
}

/** Returns the headers that sign a call. `path` includes the query string, if any. */
export async function signRequest(
  secret: string,
  method: string,
  path: string,
  body: Uint8Array = new Uint8Array(0),
  now: number = Date.now(),
): Promise<Record<string, string>> {
  const ts = String(now);
  const nonce = randomNonce();
  const message = canonical(method, path, await sha256Hex(body), ts, nonce);
  const mac = await crypto.subtle.sign('HMAC', await hmacKey(secret), encoder.encode(message));
  return {
    [SIGNATURE_HEADERS.timestamp]: ts,
    [SIGNATURE_HEADERS.nonce]: nonce,
    [SIGNATURE_HEADERS.signature]: hex(mac),
  };
}

export type VerifyResult =
  | { ok: true }
  | { ok: false; reason: 'unsigned' | 'stale' | 'replayed' | 'bad-signature' };

/**
 * Checks signatures and remembers nonces for the freshness window, so a captured call cannot
 * be sent again. One verifier per process.
 */
export class SignatureVerifier {
  private readonly key: Promise<CryptoKey>;
  private readonly seen = new Map<string, number>();

  constructor(secret: string, private readonly maxSkewMs = DEFAULT_MAX_SKEW_MS) {
    this.key = hmacKey(secret);
  }

  async verify(
    method: string,
    path: string,
    headers: { get(name: string): string | null },
    body: Uint8Array,
    now: number = Date.now(),
  ): Promise<VerifyResult> {
    const ts = headers.get(SIGNATURE_HEADERS.timestamp);
    const nonce = headers.get(SIGNATURE_HEADERS.nonce);
    const signature = headers.get(SIGNATURE_HEADERS.signature);
    if (!ts || !nonce || !signature || !/^[0-9a-f]{64}$/.test(signature)) {
      return { ok: false, reason: 'unsigned' };
    }
    if (!/^\d+$/.test(ts) || Math.abs(now - Number(ts)) > this.maxSkewMs) {
      return { ok: false, reason: 'stale' };
    }

    const message = canonical(method, path, await sha256Hex(body), ts, nonce);
    const mac = Uint8Array.from(signature.match(/../g)!, (h) => parseInt(h, 16));
    const valid = await crypto.subtle.verify('HMAC', await this.key, mac, encoder.encode(message));
    if (!valid) return { ok: false, reason: 'bad-signature' };

    this.forgetExpired(now);
    if (this.seen.has(nonce)) return { ok: false, reason: 'replayed' };
    this.seen.set(nonce, Number(ts));
    return { ok: true };
  }

  private forgetExpired(now: number): void {
    for (const [nonce, ts] of this.seen) {
      if (now - ts > 2 * this.maxSkewMs) this.seen.delete(nonce);
    }
  }
}
