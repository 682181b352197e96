/**
 * Starting pixloom locally: seed the local R2 with the edge graphs, start the gpu-service and
 * `wrangler dev`, wait until both are ready. `npm start` (scripts/start.ts), the end-to-end
 * tests and the benchmark all start the same two processes through these functions.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseManifest } from '../shared/src/manifest.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const WRANGLER = join(ROOT, 'node_modules', 'wrangler', 'bin', 'wrangler.js');

/** Keeps wrangler from calling out: no metrics, no `cf` fetch, no banner. */
export const WRANGLER_ENV = {
  WRANGLER_SEND_METRICS: 'false',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  WRANGLER_HIDE_BANNER: 'true',
} as const;

/** Where a line of child output goes; `null` keeps it only for error messages. */
export type LineSink = ((line: string) => void) | null;

/** A process this module started, with the tail of its output for error messages. */
export class ManagedProcess {
  private readonly tail: string[] = [];
  /** Resolves with the exit code (or the signal name) once the process has exited. */
  readonly exited: Promise<number | string>;
  exitStatus: number | string | null = null;

  constructor(readonly name: string, readonly child: ChildProcess, sink: LineSink) {
    const lines = (stream: NodeJS.ReadableStream | null) => {
      let partial = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        const parts = (partial + chunk).split('\n');
        partial = parts.pop() ?? '';
        for (const line of parts) this.line(line, sink);
      });
      stream?.on('end', () => this.line(partial, sink));
    };
    lines(child.stdout);
    lines(child.stderr);
    // If this process exits first, whatever the path, the child's group goes with it.
    const orphanGuard = () => this.signal('SIGTERM');
    process.once('exit', orphanGuard);
    this.exited = new Promise((done) => {
      child.once('exit', (code, signal) => {
        process.off('exit', orphanGuard);
        this.exitStatus = code ?? signal ?? 'unknown';
        done(this.exitStatus);
      });
    });
  }

  private line(line: string, sink: LineSink): void {
    if (line.trim() === '') return;
    this.tail.push(line);
    if (this.tail.length > 40) this.tail.shift();
    sink?.(line);
  }

  /** The last lines it printed. */
  output(): string {
    return this.tail.join('\n');
  }

  /** SIGTERM to its process group, SIGKILL after `graceMs`; resolves once it has exited. */
  async stop(graceMs = 5000): Promise<void> {
    if (this.exitStatus !== null || this.child.pid === undefined) return;
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  private signal(sig: NodeJS.Signals): void {
    if (this.exitStatus !== null || this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, sig); // the group: wrangler's workerd and esbuild go with it
    } catch {
      this.child.kill(sig);
    }
  }
}

function spawnManaged(
  name: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  sink: LineSink,
): ManagedProcess {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env,
    detached: true, // own process group, so stop() reaches its children too
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new ManagedProcess(name, child, sink);
}

export interface GpuServiceOptions {
  host?: string;
  port: number;
  /** Folder with the bundle folders. @default gpu-service/models */
  modelsDir?: string;
  /** HMAC secret shared with the edge; unset: calls are not authenticated. */
  secret?: string;
  /** More environment, e.g. `PIXLOOM_LOG_LEVEL`. */
  env?: Record<string, string>;
  sink?: LineSink;
}

/** Starts `gpu-service/src/main.ts` in its own Node process. */
export function startGpuService(options: GpuServiceOptions): ManagedProcess {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PIXLOOM_GPU_HOST: options.host ?? '127.0.0.1',
    PIXLOOM_GPU_PORT: String(options.port),
    ...(options.modelsDir ? { PIXLOOM_MODELS_DIR: options.modelsDir } : {}),
    ...(options.secret ? { PIXLOOM_GPU_SECRET: options.secret } : {}),
    ...options.env,
  };
  return spawnManaged('gpu-service', ['--import', 'tsx', 'gpu-service/src/main.ts'], env,
    options.sink ?? null);
}

export interface EdgeOptions {
  port: number;
  /** The gpu-service base URL the Worker calls. */
  gpuUrl: string;
  /** Local R2 / KV / Durable Object state. @default .wrangler/state */
  persistTo?: string;
  /** Same value as the gpu-service's PIXLOOM_GPU_SECRET. */
  secret?: string;
  /** More Worker vars. */
  vars?: Record<string, string>;
  inspectorPort?: number;
  sink?: LineSink;
}

/** Worker vars the edge reads (wrangler.toml documents them). */
export const EDGE_VARS = { gpuUrl: 'GPU_SERVICE_URL', secret: 'GPU_SERVICE_SECRET',
  auth: 'PIXLOOM_AUTH' } as const;

/** API keys locally: off (open) unless PIXLOOM_AUTH=on is set in the environment. */
export function authMode(): 'on' | 'off' {
  return process.env.PIXLOOM_AUTH?.trim().toLowerCase() === 'on' ? 'on' : 'off';
}

/**
 * Starts `wrangler dev` on 127.0.0.1, local bindings only. The secret goes to the Worker
 * through an env file readable only by this user (not on the command line), removed on exit.
 */
export function startEdge(options: EdgeOptions): ManagedProcess {
  const persistTo = options.persistTo ?? join(ROOT, '.wrangler', 'state');
  const vars = { [EDGE_VARS.gpuUrl]: options.gpuUrl, [EDGE_VARS.auth]: authMode(),
    ...options.vars };
  let envFile: string | null = null;
  if (options.secret) {
    envFile = join(dirname(persistTo), `edge-${options.port}.secrets.env`);
    mkdirSync(dirname(envFile), { recursive: true });
    writeFileSync(envFile, `${EDGE_VARS.secret}=${options.secret}\n`, { mode: 0o600 });
  }
  const args = [
    WRANGLER, 'dev', '--ip', '127.0.0.1', '--port', String(options.port), '--local',
    '--persist-to', persistTo, '--show-interactive-dev-session=false', '--log-level', 'info',
    ...(envFile ? ['--env-file', envFile] : []),
    ...(options.inspectorPort ? ['--inspector-port', String(options.inspectorPort)] : []),
    ...Object.entries(vars).flatMap(([k, v]) => ['--var', `${k}:${v}`]),
  ];
  const env = { ...process.env, ...WRANGLER_ENV };
  const edge = spawnManaged('edge', args, env, options.sink ?? null);
  if (envFile) void edge.exited.then(() => rmSync(envFile!, { force: true }));
  return edge;
}

/** A random secret for one local run of both processes. */
export function localSecret(): string {
  return randomBytes(32).toString('hex');
}

/** The `bucket_name` of the R2 bucket bound as `binding` in wrangler.toml. */
export function r2BucketName(binding: string, config = join(ROOT, 'wrangler.toml')): string {
  const toml = readFileSync(config, 'utf8');
  for (const block of toml.split(/^\s*\[\[r2_buckets\]\]\s*$/m).slice(1)) {
    const body = block.split(/^\s*\[/m)[0];
    const field = (key: string) =>
      body.match(new RegExp(`^\\s*${key}\\s*=\\s*"([^"]+)"`, 'm'))?.[1];
    if (field('binding') === binding && field('bucket_name')) return field('bucket_name')!;
  }
  throw new Error(`${config} binds no R2 bucket as ${binding}; add an [[r2_buckets]] entry with `
    + `binding = "${binding}" and a bucket_name.`);
}

export interface SeedOptions {
  /** Folder with the bundle folders. @default gpu-service/models */
  modelsDir?: string;
  /** @default .wrangler/state */
  persistTo?: string;
  /** The R2 binding that holds models. @default the edge's MODELS binding */
  binding?: string;
  /** @default wrangler.toml at the repository root */
  config?: string;
  sink?: LineSink;
}

export interface SeededObject {
  key: string;
  file: string;
  sha256: string;
}

/** The R2 binding of the model bucket and the keys the edge reads (see edge/src). */
export const MODELS_BINDING = 'MODELS';

/**
 * What goes into R2 for the edge: for every bundle folder, each graph the manifest marks
 * `edge: true` under `models/<bundle name>/<version>/<file>`, and the manifest itself under
 * `models/<bundle name>/manifest.json`.
 */
export function edgeObjects(modelsDir = join(ROOT, 'gpu-service', 'models')): SeededObject[] {
  const objects: SeededObject[] = [];
  const folders = existsSync(modelsDir) ? readdirSync(modelsDir).sort() : [];
  for (const folder of folders) {
    const manifestFile = join(modelsDir, folder, 'manifest.json');
    if (!existsSync(manifestFile)) continue;
    const bytes = readFileSync(manifestFile);
    const manifest = parseManifest(JSON.parse(bytes.toString('utf8')));
    const prefix = `models/${manifest.name}`;
    for (const graph of Object.values(manifest.graphs)) {
      if (!graph.edge) continue;
      const file = join(modelsDir, folder, graph.file);
      const actual = existsSync(file) ? sha256File(file) : 'missing';
      if (actual !== graph.sha256) {
        throw new Error(`${file} is ${actual === 'missing' ? 'missing' : 'corrupt (its sha256 '
          + 'differs from the manifest)'}; export the ${manifest.name} bundle again.`);
      }
      const key = `${prefix}/${manifest.version}/${graph.file}`;
      objects.push({ key, file, sha256: graph.sha256 });
    }
    const sha256 = sha256File(manifestFile);
    objects.push({ key: `${prefix}/manifest.json`, file: manifestFile, sha256 });
  }
  return objects;
}

function sha256File(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/**
 * Puts the edge graphs and manifests into the local R2 that `wrangler dev --persist-to` reads,
 * through wrangler's local bindings (`getPlatformProxy`: one short-lived local runtime, the same
 * storage `wrangler r2 object put --local` writes, without a CLI start per object). A stamp
 * file in the state folder records what was put, so unchanged objects are not put again.
 */
export async function seedLocalR2(options: SeedOptions = {}): Promise<SeededObject[]> {
  const persistTo = options.persistTo ?? join(ROOT, '.wrangler', 'state');
  const config = options.config ?? join(ROOT, 'wrangler.toml');
  const binding = options.binding ?? MODELS_BINDING;
  const bucket = r2BucketName(binding, config);
  const objects = edgeObjects(options.modelsDir);
  if (objects.length === 0) {
    throw new Error(`No bundle with a manifest.json in ${options.modelsDir ?? 'gpu-service/models'}`
      + '; export the reference bundles first (see the README).');
  }
  const stampFile = join(persistTo, 'pixloom-seeded.json');
  const stamp: Record<string, string> = existsSync(stampFile)
    ? JSON.parse(readFileSync(stampFile, 'utf8')) : {};
  const fresh = existsSync(join(persistTo, 'v3', 'r2', bucket));
  const todo = objects.filter((o) => !fresh || stamp[`${bucket}/${o.key}`] !== o.sha256);
  if (todo.length === 0) return objects;

  // The local runtime adds its own signal handlers (they exit at once on Ctrl-C): they are
  // removed again once it is disposed, so Ctrl-C still stops both processes.
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  const handlers = signals.map((s) => new Set(process.listeners(s)));
  const logLevel = process.env.WRANGLER_LOG;
  Object.assign(process.env, WRANGLER_ENV, { WRANGLER_LOG: 'error' });
  // Only the model bucket is bound, so the Worker's other bindings are neither set up nor
  // warned about.
  const seedDir = mkdtempSync(join(tmpdir(), 'pixloom-seed-'));
  const seedConfig = join(seedDir, 'wrangler.toml');
  writeFileSync(seedConfig, `name = "pixloom-seed"\ncompatibility_date = "2025-09-01"\n`
    + `[[r2_buckets]]\nbinding = "${binding}"\nbucket_name = "${bucket}"\n`);
  const { getPlatformProxy } = await import('wrangler');
  const proxy = await getPlatformProxy<Record<string, R2Bucket>>({
    configPath: seedConfig,
    persist: { path: join(persistTo, 'v3') }, // `--persist-to X` keeps its state in X/v3
  }).finally(() => {
    rmSync(seedDir, { recursive: true, force: true });
    if (logLevel === undefined) delete process.env.WRANGLER_LOG;
    else process.env.WRANGLER_LOG = logLevel;
  });
  try {
    for (const object of todo) {
      const contentType = object.key.endsWith('.json') ? 'application/json'
        : 'application/octet-stream';
      const bytes = readFileSync(object.file);
      const data = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
      await proxy.env[binding].put(object.key, data, {
        httpMetadata: { contentType },
        sha256: object.sha256,
      });
      options.sink?.(`put ${bucket}/${object.key}`);
      stamp[`${bucket}/${object.key}`] = object.sha256;
    }
  } finally {
    await proxy.dispose();
    signals.forEach((signal, i) => {
      for (const handler of process.listeners(signal)) {
        if (!handlers[i].has(handler)) process.off(signal, handler as () => void);
      }
    });
  }
  mkdirSync(persistTo, { recursive: true });
  writeFileSync(stampFile, JSON.stringify(stamp, null, 2));
  return objects;
}

/**
 * Polls `check` until it returns true.
 *
 * @throws Error with the process's last output when it exits first or `timeoutMs` passes
 */
export async function waitUntil(
  check: () => Promise<boolean>,
  proc: ManagedProcess,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitStatus !== null) {
      throw new Error(`${proc.name} exited (${proc.exitStatus}) before it was ready:\n`
        + proc.output());
    }
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${proc.name} was not ready after ${timeoutMs / 1000} s:\n${proc.output()}`);
}

const ok = (url: string, init?: RequestInit) => async () =>
  (await fetch(url, { ...init, signal: AbortSignal.timeout(30_000) })).status === 200;

export interface StackOptions {
  edgePort?: number;
  gpuPort?: number;
  modelsDir?: string;
  persistTo?: string;
  /** Sign edge → gpu-service calls with a fresh random secret. @default true */
  sign?: boolean;
  gpuEnv?: Record<string, string>;
  edgeVars?: Record<string, string>;
  /** Gets every output line of both processes, and seeding progress. */
  sink?: (name: 'gpu' | 'edge' | 'seed', line: string) => void;
  timeoutMs?: number;
}

export interface Stack {
  graphqlUrl: string;
  edgeUrl: string;
  gpuUrl: string;
  gpu: ManagedProcess;
  edge: ManagedProcess;
  /** Stops both processes. */
  stop(): Promise<void>;
}

/**
 * Seeds the local R2, starts the gpu-service and `wrangler dev`, and resolves once
 * `GET /v2/health/ready` and a GraphQL `{ __typename }` both answer 200.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const { edgePort = 8787, gpuPort = 8790, sink, timeoutMs = 120_000 } = options;
  const modelsDir = options.modelsDir ?? join(ROOT, 'gpu-service', 'models');
  const persistTo = options.persistTo ?? join(ROOT, '.wrangler', 'state');
  const secret = options.sign === false ? undefined : localSecret();
  const gpuUrl = `http://127.0.0.1:${gpuPort}`;
  const edgeUrl = `http://127.0.0.1:${edgePort}`;
  const line = (name: 'gpu' | 'edge') => (sink ? (l: string) => sink(name, l) : null);

  const gpu = startGpuService({
    port: gpuPort, modelsDir, secret, env: options.gpuEnv, sink: line('gpu'),
  });
  let edge: ManagedProcess | null = null;
  const stop = async () => {
    await Promise.all([gpu.stop(), edge?.stop()]);
  };
  try {
    await seedLocalR2({ modelsDir, persistTo, sink: sink ? (l) => sink('seed', l) : null });
    edge = startEdge({
      port: edgePort, gpuUrl, persistTo, secret, vars: options.edgeVars, sink: line('edge'),
    });
    const graphql = { method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }) };
    await Promise.all([
      waitUntil(ok(`${gpuUrl}/v2/health/ready`), gpu, timeoutMs),
      waitUntil(ok(`${edgeUrl}/graphql`, graphql), edge, timeoutMs),
    ]);
  } catch (error) {
    await stop();
    throw error;
  }
  return { graphqlUrl: `${edgeUrl}/graphql`, edgeUrl, gpuUrl, gpu, edge, stop };
}

function port(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new Error(`${name}=${process.env[name]} is not a port; set it to 1–65535 or unset it.`);
  }
  return value;
}

async function main(): Promise<void> {
  const edgePort = port('PIXLOOM_EDGE_PORT', 8787);
  const gpuPort = port('PIXLOOM_GPU_PORT', 8790);
  const quiet = process.env.PIXLOOM_QUIET === '1';
  const sink = (name: string, text: string) => {
    if (!quiet || name === 'seed') console.log(`[${name}] ${text}`);
  };
  console.log('Starting pixloom: gpu-service (onnxruntime-node, CPU) and the edge (wrangler dev)');

  let stack: Stack;
  try {
    stack = await startStack({
      edgePort,
      gpuPort,
      modelsDir: process.env.PIXLOOM_MODELS_DIR || undefined,
      persistTo: process.env.PIXLOOM_STATE_DIR || undefined,
      sink,
    });
  } catch (error) {
    console.error(`pixloom did not start: ${(error as Error).message}`);
    process.exit(1);
  }

  console.log([
    '',
    'pixloom is running (local, offline):',
    `  GraphQL + GraphiQL  ${stack.graphqlUrl}`,
    `  gpu-service         ${stack.gpuUrl}  (health: ${stack.gpuUrl}/v2/health/ready)`,
    authMode() === 'on'
      ? '  API keys            required (PIXLOOM_AUTH=on); make one: npm run key:create'
      : '  API keys            OFF: the API is open to anyone who can reach it; set '
        + 'PIXLOOM_AUTH=on to require keys',
    'Press Ctrl-C to stop.',
    '',
  ].join('\n'));

  let stopping = false;
  const shutdown = async (reason: string, code: number) => {
    if (stopping) return;
    stopping = true;
    console.log(`Stopping pixloom (${reason})…`);
    await stack.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown('SIGINT', 0));
  process.on('SIGTERM', () => void shutdown('SIGTERM', 0));
  for (const proc of [stack.gpu, stack.edge]) {
    void proc.exited.then((status) => shutdown(`${proc.name} exited with ${status}`, 1));
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  void main();
}
