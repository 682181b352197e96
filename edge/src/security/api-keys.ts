/**
 * API keys: `pxl_` and 43 random base64url characters, sent as `Authorization: Bearer <key>`.
 * Only the SHA-256 of a key is stored (KV `API_KEYS`, under `keys/<hex digest>`), with its
 * scopes and rate; `npm run key:create` makes one and prints it once.
 */
import { PixloomError } from '../../../shared/src/errors';

/** What a key may do: `segment` (images, segment, segmentStream), `story` (story jobs). */
export type Scope = 'segment' | 'story';

export const SCOPES: readonly Scope[] = ['segment', 'story'];

export const API_KEY_PREFIX = 'pxl_';

/** What is stored for a key (never the key itself). */
export interface KeyRecord {
  /** A short public id, for logs and rate-limit buckets. */
  id: string;
  scopes: Scope[];
  /** Requests allowed per minute. */
  ratePerMinute: number;
  label?: string;
  /** ISO 8601. */
  created: string;
}

/** The KV key under which a key's record is stored. */
export const keyRecordKey = (digest: string) => `keys/${digest}`;

/** SHA-256 hex of a key, as stored. */
export async function hashApiKey(key: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(key));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** A fresh key (256 random bits) and the record to store under its digest. */
export async function newApiKey(options: {
  scopes: Scope[];
  ratePerMinute: number;
  label?: string;
}): Promise<{ key: string; digest: string; record: KeyRecord }> {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  const secret = btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_')
    .replace(/=+$/, '');
  const key = `${API_KEY_PREFIX}${secret}`;
  const digest = await hashApiKey(key);
  const record: KeyRecord = { id: digest.slice(0, 12), scopes: options.scopes,
    ratePerMinute: options.ratePerMinute, created: new Date().toISOString(),
    ...(options.label ? { label: options.label } : {}) };
  return { key, digest, record };
}

const HOW = 'send "Authorization: Bearer <key>" with a key from `npm run key:create`.';

function parseRecord(raw: unknown): KeyRecord | null {
  const r = raw as Partial<KeyRecord> | null;
  if (!r || typeof r.id !== 'string' || !Array.isArray(r.scopes)) return null;
  if (!(typeof r.ratePerMinute === 'number' && r.ratePerMinute > 0)) return null;
  return { ...r, scopes: r.scopes.filter((s): s is Scope => SCOPES.includes(s)) } as KeyRecord;
}

/**
 * The record of the key a request carries.
 *
 * @throws PixloomError `UNAUTHENTICATED` when the header is missing, malformed or names no key
 */
export function authenticate(request: Request, keys: KVNamespace): Promise<KeyRecord> {
  return authenticateBearer(request.headers.get('authorization'), keys);
}

/**
 * The record of the key in `authorization` ("Bearer <key>", from a header or graphql-ws
 * connectionParams).
 *
 * @throws PixloomError `UNAUTHENTICATED` when it is missing, malformed or names no key
 */
export async function authenticateBearer(
  authorization: string | null | undefined,
  keys: KVNamespace,
): Promise<KeyRecord> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match) {
    throw new PixloomError('UNAUTHENTICATED', `This API needs a key; ${HOW}`);
  }
  const key = match[1];
  if (!key.startsWith(API_KEY_PREFIX) || key.length !== API_KEY_PREFIX.length + 43) {
    throw new PixloomError('UNAUTHENTICATED', `The bearer token is not a pixloom key (they `
      + `start with ${API_KEY_PREFIX} and have 47 characters); ${HOW}`);
  }
  const record = parseRecord(await keys.get(keyRecordKey(await hashApiKey(key)), 'json'));
  if (!record) {
    throw new PixloomError('UNAUTHENTICATED', `The key is unknown or was revoked; ${HOW}`);
  }
  return record;
}
