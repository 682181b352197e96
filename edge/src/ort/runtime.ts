/**
 * onnxruntime-web inside workerd: single-threaded WebAssembly, loaded through
 * `wasm-loader.mjs` (see there for why), one inference session per graph per isolate.
 */
import * as ort from 'onnxruntime-web/wasm';

/** Module name of the loader inside the Worker upload (its path under `edge/`). */
const WASM_LOADER = '/src/ort/wasm-loader.mjs';

let configured = false;

function configure(): void {
  if (configured) return;
  // Workers have no threads for WebAssembly and forbid compiling it at run time.
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  ort.env.wasm.wasmPaths = { mjs: WASM_LOADER };
  ort.env.logLevel = 'error';
  configured = true;
}

/** Creates an inference session on the WASM execution provider from ONNX bytes. */
export async function createSession(model: Uint8Array): Promise<ort.InferenceSession> {
  configure();
  return ort.InferenceSession.create(model, {
    executionProviders: ['wasm'],
    graphOptimizationLevel: 'all',
  });
}

export { ort };
