/**
 * Where the training tests find Debian's PyTorch: `/usr/bin/python3` with torch and onnx. Tests
 * that train run only where it imports both, and say why they are skipped elsewhere.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');
export const PYTHON = '/usr/bin/python3';

/** Whether PyTorch and ONNX import; otherwise writes why `what` is skipped to stderr. */
export function torchReady(what: string): boolean {
  const ready = existsSync(PYTHON)
    && spawnSync(PYTHON, ['-c', 'import torch, onnx'], { timeout: 60_000 }).status === 0;
  if (!ready) {
    process.stderr.write(`${what} skipped: ${PYTHON} cannot import torch and onnx (install `
      + 'python3-torch and python3-onnx from Debian to run it)\n');
  }
  return ready;
}
