import { describe, expect, it } from 'vitest';
import { SIGNATURE_HEADERS, SignatureVerifier, signRequest } from './signing';

const body = new TextEncoder().encode('{"question":"where is the red circle?"}');

function asHeaders(record: Record<string, string>): Headers {
  return new Headers(record);
}

describe('signed calls', () => {
  it('accepts a fresh signed call once and refuses its replay', async () => {
    const verifier = new SignatureVerifier('s3cret');
    const headers = asHeaders(await signRequest('s3cret', 'POST', '/v1/pixel/answer', body));
    expect(await verifier.verify('POST', '/v1/pixel/answer', headers, body)).toEqual({ ok: true });
    expect(await verifier.verify('POST', '/v1/pixel/answer', headers, body))
      .toEqual({ ok: false, reason: 'replayed' });
  });

  it('refuses unsigned, stale, tampered and wrongly keyed calls', async () => {
    const verifier = new SignatureVerifier('s3cret', 60_000);
    const path = '/v1/pixel/answer';
    expect((await verifier.verify('POST', path, new Headers(), body)))
      .toEqual({ ok: false, reason: 'unsigned' });

    const old = asHeaders(await signRequest('s3cret', 'POST', path, body, Date.now() - 120_000));
    expect(await verifier.verify('POST', path, old, body)).toEqual({ ok: false, reason: 'stale' });

    const good = asHeaders(await signRequest('s3cret', 'POST', path, body));
    const tampered = new TextEncoder().encode('{"question":"where is the blue circle?"}');
    expect(await verifier.verify('POST', path, good, tampered))
      .toEqual({ ok: false, reason: 'bad-signature' });
    expect(await verifier.verify('GET', path, good, body))
      .toEqual({ ok: false, reason: 'bad-signature' });

    const otherKey = asHeaders(await signRequest('other', 'POST', path, body));
    expect(await verifier.verify('POST', path, otherKey, body))
      .toEqual({ ok: false, reason: 'bad-signature' });
    expect(otherKey.get(SIGNATURE_HEADERS.signature)).toMatch(/^[0-9a-f]{64}$/);
  });
});
