/**
 * `npm run key:create -- --scopes segment,story --rate 60 [--label name] [--remote]`
 *
 * Makes an API key, stores only its SHA-256 with its scopes and rate in the API_KEYS KV
 * namespace (the local one of `npm start`, under PIXLOOM_STATE_DIR or .wrangler/state, unless
 * --remote), and prints the key once: it cannot be shown again.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { keyRecordKey, newApiKey, SCOPES, type Scope } from '../edge/src/security/api-keys';
import { ROOT, WRANGLER_ENV } from './start';

const WRANGLER = join(ROOT, 'node_modules', '.bin', 'wrangler');

interface Options {
  scopes: Scope[];
  ratePerMinute: number;
  label?: string;
  remote: boolean;
  persistTo: string;
}

/** Reads the command line; throws with a sentence saying what to fix. */
export function parseArgs(argv: string[], env = process.env): Options {
  const value = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const scopes = (value('scopes') ?? 'segment,story').split(',').map((s) => s.trim());
  const unknown = scopes.filter((s) => !SCOPES.includes(s as Scope));
  if (unknown.length > 0 || scopes.length === 0) {
    throw new Error(`Unknown scope ${unknown.join(', ')}; use --scopes with ${SCOPES.join(', ')}`
      + ' (comma-separated).');
  }
  const rate = Number(value('rate') ?? 60);
  if (!Number.isInteger(rate) || rate < 1 || rate > 100_000) {
    throw new Error(`--rate ${value('rate')} is not a rate; give requests per minute, 1–100000.`);
  }
  return {
    scopes: scopes as Scope[],
    ratePerMinute: rate,
    label: value('label'),
    remote: argv.includes('--remote'),
    persistTo: value('persist-to') ?? env.PIXLOOM_STATE_DIR ?? join(ROOT, '.wrangler', 'state'),
  };
}

/** Stores a new key's record with `wrangler kv key put` and returns the key. */
export async function createKey(options: Options): Promise<{ key: string; id: string }> {
  const { key, digest, record } = await newApiKey(options);
  const where = options.remote ? ['--remote'] : ['--local', '--persist-to', options.persistTo];
  const result = spawnSync(WRANGLER, ['kv', 'key', 'put', keyRecordKey(digest),
    JSON.stringify(record), '--binding', 'API_KEYS', ...where], {
    cwd: ROOT, env: { ...process.env, ...WRANGLER_ENV }, encoding: 'utf8',
  });
  if (result.status !== 0) {
    throw new Error(`wrangler could not store the key: ${(result.stderr || result.stdout).trim()}`);
  }
  return { key, id: record.id };
}

async function main(): Promise<void> {
  let options: Options;
  try {
    options = parseArgs(process.argv.slice(2));
    const { key, id } = await createKey(options);
    const where = options.remote ? 'in the deployed API_KEYS' : `in ${options.persistTo}`;
    console.log([
      `API key ${id} (scopes: ${options.scopes.join(', ')}; ${options.ratePerMinute} requests `
        + `a minute), stored ${where}:`,
      '',
      `  ${key}`,
      '',
      'It is shown only now; only its SHA-256 is stored. Send it as:',
      `  Authorization: Bearer ${key}`,
      'Keys are checked when the edge runs with PIXLOOM_AUTH=on (PIXLOOM_AUTH=on npm start).',
    ].join('\n'));
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
}

if (process.argv[1]?.endsWith('key-create.ts')) void main();
