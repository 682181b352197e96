/** Bindings and vars of the edge's access control (wrangler.toml). */
import type { KeyRateLimiter } from './rate-limiter';

export interface SecurityEnv {
  /** Stored API keys: `keys/<SHA-256 of the key>` → its record (api-keys.ts). */
  API_KEYS?: KVNamespace;
  /** One rate-limit bucket per key id. */
  RATE_LIMITER?: DurableObjectNamespace<KeyRateLimiter>;
  /** "on": every GraphQL request needs an API key. "off": open, for local runs. @default on */
  PIXLOOM_AUTH?: string;
}

/** Whether requests must carry an API key (anything but an explicit "off" means yes). */
export function authRequired(env: SecurityEnv): boolean {
  return env.PIXLOOM_AUTH?.trim().toLowerCase() !== 'off';
}
