/**
 * The gpu-service refuses to start, with a message saying what to fix, when its bundle is
 * missing or corrupt, the CUDA provider it was told to use did not load, the port is taken, or
 * a setting is unusable. Runs the real entry point where the exit code matters.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../shared/src/logger.js';
import { DEFAULT_MODELS_DIR, loadConfig } from './config.js';
import { StartupError, startGpuService } from './main.js';

const MODELS_DIR = process.env.PIXLOOM_MODELS_DIR ?? DEFAULT_MODELS_DIR;
const scratch = mkdtempSync(join(tmpdir(), 'pixloom-main-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs `gpu-service/src/main.ts` until it exits; returns its code and JSON log lines. */
function runMain(env: Record<string, string>): Promise<{ code: number | null; lines: any[] }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'gpu-service/src/main.ts'], {
      env: { ...process.env, PIXLOOM_GPU_PORT: '8815', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    child.on('exit', (code) => resolve({
      code,
      lines: out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)),
    }));
  });
}

async function refusal(env: Record<string, string>): Promise<string> {
  try {
    await startGpuService(loadConfig({ PIXLOOM_GPU_PORT: '8815', ...env }), silentLogger);
  } catch (error) {
    expect(error).toBeInstanceOf(StartupError);
    return (error as Error).message;
  }
  throw new Error('the service started');
}

describe('gpu-service start', () => {
  it('exits 1 naming the missing manifest when the bundle folder is empty', async () => {
    const { code, lines } = await runMain({ PIXLOOM_MODELS_DIR: scratch });
    expect(code).toBe(1);
    const last = lines.at(-1);
    expect(last).toMatchObject({ level: 'error', msg: 'gpu-service cannot start' });
    expect(last.reason).toBe(`The pixel bundle is missing: ${scratch}/pixel-ref/manifest.json `
      + 'does not exist. Set PIXLOOM_MODELS_DIR to the folder that holds the bundle folders and '
      + 'PIXLOOM_PIXEL_BUNDLE to the bundle\'s folder name (now "pixel-ref"), or export the '
      + 'reference bundle again (see the README).');
  });

  it('exits 2 on an unusable setting', async () => {
    const { code, lines } = await runMain({ PIXLOOM_EXECUTION_PROVIDER: 'tpu' });
    expect(code).toBe(2);
    expect(lines.at(-1).reason).toBe('PIXLOOM_EXECUTION_PROVIDER=tpu is not usable: set it to '
      + '"cpu" or "cuda".');
  });

  it('refuses a bundle whose graph differs from its manifest sha256, and frees the port',
    async () => {
      const copy = join(scratch, 'corrupt');
      cpSync(join(MODELS_DIR, 'pixel-ref'), join(copy, 'pixel-ref'), { recursive: true });
      const graph = join(copy, 'pixel-ref', 'lm_step.onnx');
      const bytes = readFileSync(graph);
      bytes[bytes.length - 1] ^= 0xff;
      writeFileSync(graph, bytes);

      const message = await refusal({ PIXLOOM_MODELS_DIR: copy });
      expect(message).toMatch(new RegExp(`^The pixel bundle in ${copy}/pixel-ref cannot be `
        + `loaded: ${graph} has sha256 [0-9a-f]{64}, but`));
      await expect(portIsFree(8815)).resolves.toBe(true);
    });

  it('refuses a bundle with a graph missing', async () => {
    const copy = join(scratch, 'missing');
    cpSync(join(MODELS_DIR, 'pixel-ref'), join(copy, 'pixel-ref'), { recursive: true });
    rmSync(join(copy, 'pixel-ref', 'pixel_decoder.onnx'));
    expect(await refusal({ PIXLOOM_MODELS_DIR: copy }))
      .toMatch(/pixel_decoder\.onnx \(.*\) cannot be read/);
  });

  it('fails loudly when told to use CUDA and the CUDA provider does not load', async () => {
    const bin = join('node_modules', 'onnxruntime-node', 'bin', 'napi-v6', 'linux', 'x64');
    const hasCuda = existsSync(join(bin, 'libonnxruntime_providers_cuda.so'));
    if (hasCuda) return; // a GPU host: covered by the device check, not by this suite
    const message = await refusal({
      PIXLOOM_MODELS_DIR: MODELS_DIR, PIXLOOM_EXECUTION_PROVIDER: 'cuda',
    });
    expect(message).toMatch(/The CUDA execution provider did not load for .*\.onnx/);
    expect(message).toMatch(/run with the cpu execution provider/);
  });

  it('says which port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(8815, '127.0.0.1', r));
    try {
      expect(await refusal({ PIXLOOM_MODELS_DIR: MODELS_DIR })).toBe('Port 8815 on 127.0.0.1 is '
        + 'in use; stop what listens there or set PIXLOOM_GPU_PORT to a free port.');
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });
});

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}
