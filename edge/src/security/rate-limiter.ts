/**
 * Per-key rate limits: one Durable Object per key id holds a token bucket of `rate` tokens
 * that refills at `rate` per minute, so a key may burst up to its rate and then sustain it.
 * The bucket lives in the object's memory: if the object is evicted, the key starts again
 * with a full bucket, which errs on the side of letting calls through.
 */
import { DurableObject } from 'cloudflare:workers';

export interface RateDecision {
  ok: boolean;
  /** Whole tokens left after this call. */
  remaining: number;
  /** Seconds until one token is back (0 when `ok`). */
  retryAfterS: number;
}

export class KeyRateLimiter extends DurableObject {
  private tokens = -1;
  private updated = 0;

  /** Takes one token from a bucket of `ratePerMinute`, refilled continuously. */
  async take(ratePerMinute: number): Promise<RateDecision> {
    const now = Date.now();
    const perMs = ratePerMinute / 60_000;
    this.tokens = this.tokens < 0 ? ratePerMinute
      : Math.min(ratePerMinute, this.tokens + (now - this.updated) * perMs);
    this.updated = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { ok: true, remaining: Math.floor(this.tokens), retryAfterS: 0 };
    }
    return { ok: false, remaining: 0, retryAfterS: Math.max(1, Math.ceil((1 - this.tokens) / perMs
      / 1000)) };
  }
}
