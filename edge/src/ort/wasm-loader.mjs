// Loads onnxruntime-web's WebAssembly build inside workerd.
//
// onnxruntime-web imports its Emscripten factory with a dynamic import() of the path given in
// `env.wasm.wasmPaths.mjs` (this module), then lets it fetch and compile the .wasm file. Workers
// cannot fetch files of their own bundle nor compile WebAssembly at run time, so this module
// wraps the factory: the .wasm is a module that wrangler compiled at build time, and the factory
// is told to instantiate that module. Both files are copied from node_modules/onnxruntime-web
// into edge/dist/ort by the build command in wrangler.toml.
//
// Plain JavaScript on purpose: wrangler uploads it as its own module, not through the bundler.
import ortWasmFactory from '../../dist/ort/ort-wasm-simd-threaded.mjs';
import ortWasmModule from '../../dist/ort/ort-wasm-simd-threaded.wasm';

/**
 * The factory onnxruntime-web calls, with `instantiateWasm` added.
 * @param {Record<string, unknown>} config what onnxruntime-web passes (numThreads, …)
 */
export default function loadOrtWasm(config) {
  // Under a WorkerGlobalScope the factory reads `self.location.href` to find its own folder;
  // workerd has no `location`, so a blank one stands in while the factory starts.
  const hadLocation = 'location' in globalThis;
  if (!hadLocation) globalThis.location = { href: '' };
  try {
    return ortWasmFactory({
      ...config,
      instantiateWasm(imports, receive) {
        WebAssembly.instantiate(ortWasmModule, imports)
          .then((instance) => receive(instance, ortWasmModule));
        return {};
      },
    });
  } finally {
    if (!hadLocation) delete globalThis.location;
  }
}
