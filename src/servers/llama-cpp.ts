import { ownedByAll, type ServerProfile } from './profile.js';

// shared/reference/servers.md §5: HTTP first, then 503 "Loading model" on every route until the model is in.
export const llamaCpp: ServerProfile = {
  kind: 'llamacpp',
  label: 'llama.cpp llama-server',
  defaultPort: 8080,
  healthPath: '/health',
  fingerprint: (res) => res.headers.server === 'llama.cpp' || ownedByAll(res.json, 'llamacpp'),
  readyLog: [/server is listening on/, /all slots are idle/],
  startHint: 'llama-server -m model.gguf --host 127.0.0.1 --port 8080',
  logSignatures: [
    {
      pattern: /failed to open GGUF file|gguf_init_from_file.*failed/,
      cause: 'model-download-failed',
      hint: 'The GGUF file is missing or incomplete: check the -m path, or re-download the file.',
      sample: "gguf_init_from_file: failed to open GGUF file 'models/missing.gguf'",
    },
    {
      pattern: /unknown model architecture/,
      cause: 'server-exited',
      hint: 'This llama.cpp build is older than the model format: update llama-server.',
      sample:
        "llama_model_load: error loading model: error loading model architecture: unknown model architecture: 'qwen9'",
    },
    {
      pattern: /failed to allocate .*buffer|graph_reserve: failed to allocate compute buffers/,
      cause: 'out-of-memory',
      hint: 'Not enough memory for the model buffers: fewer GPU layers (-ngl), a smaller context (-c) or a smaller quant.',
      sample:
        'ggml_backend_cuda_buffer_type_alloc_buffer: allocating 4096.00 MiB on device 0: cudaMalloc failed: out of memory',
    },
    {
      pattern: /error loading model:|failed to load model|exiting due to model loading error/,
      cause: 'server-exited',
      hint: 'llama-server could not load the model file (corrupt, truncated or unsupported GGUF): check the file and its download.',
      sample:
        'llama_model_load: error loading model: tensor data is not within the file bounds, model is corrupted or incomplete',
    },
  ],
};
