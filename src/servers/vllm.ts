import { ownedByAll, readVersionField, type ServerProfile } from './profile.js';
import { VLLM_PHASES } from './vllm-phases.js';

// docs/servers.md §1: the port refuses until the engine is up; /health 200 empty when alive.
export const vllm: ServerProfile = {
  kind: 'vllm',
  label: 'vLLM',
  defaultPort: 8000,
  healthPath: '/health',
  version: { path: '/version', read: (json) => readVersionField(json) },
  fingerprint: (res) => ownedByAll(res.json, 'vllm'),
  readyLog: [/Application startup complete/, /Starting vLLM (API )?server (\d+ )?on/],
  startupPhases: VLLM_PHASES,
  logSignatures: [
    {
      pattern: /No available memory for the cache blocks/,
      cause: 'out-of-memory',
      hint: 'The weights leave no GPU memory for the KV cache: raise --gpu-memory-utilization or use a smaller model.',
      sample:
        'ValueError: No available memory for the cache blocks. Try increasing `gpu_memory_utilization` when initializing the engine.',
    },
    {
      pattern:
        /KV cache is needed, which is larger than the available KV cache memory|is larger than the maximum number of tokens that can be stored in KV cache|To serve at least one request with the models?'s max seq len/,
      cause: 'out-of-memory',
      hint: "The model's max sequence length does not fit the KV cache: lower --max-model-len to the estimate in the message.",
      sample:
        "ValueError: To serve at least one request with the models's max seq len (32768), (1.75 GiB KV cache is needed, which is larger than the available KV cache memory (0.88 GiB). Based on the available memory, the estimated maximum model length is 16384. Try increasing `gpu_memory_utilization` or decreasing `max_model_len` when initializing the engine.",
    },
    {
      pattern: /Free memory on device .* is less than desired GPU memory utilization/,
      cause: 'out-of-memory',
      hint: 'Another process holds GPU memory (often a server from an earlier run): stop it, or lower --gpu-memory-utilization.',
      sample:
        'ValueError: Free memory on device (6.2/14.57 GiB) on startup is less than desired GPU memory utilization (0.9, 13.11 GiB). Decrease GPU memory utilization or reduce GPU memory used by other processes.',
    },
    {
      pattern: /Bfloat16 is only supported on GPUs with compute capability/,
      cause: 'server-exited',
      hint: 'This GPU has no bfloat16 (pre-Ampere, e.g. T4): start vLLM with --dtype half.',
      sample:
        'ValueError: Bfloat16 is only supported on GPUs with compute capability of at least 8.0. Your Tesla T4 GPU has compute capability 7.5. You can use float16 instead by explicitly setting the `dtype` flag in CLI, for example: --dtype=half.',
    },
    {
      pattern: /Timed out waiting for engine|VLLM_ENGINE_READY_TIMEOUT_S/,
      cause: 'server-exited',
      hint: 'The engine took longer than VLLM_ENGINE_READY_TIMEOUT_S (600 s) to start: raise it, or pre-warm the model and compile caches.',
      sample: 'TimeoutError: Timed out waiting for engines to send initial message on input socket.',
    },
    {
      // A wrapper: printed after a GatedRepoError too, so the line above it decides when there is one.
      pattern: /Invalid repository ID or local directory specified/,
      cause: 'model-download-failed',
      generic: true,
      hint: 'vLLM could not find the model: check the id for typos; a gated model needs HF_TOKEN; offline mode needs the HF cache mounted.',
      sample:
        "ValueError: Invalid repository ID or local directory specified: 'Qwen/Qwen2.5-0.5B-Instruc'. Please verify the following requirements: 1. Provide a valid Hugging Face repository ID.",
    },
    {
      pattern: /Engine core initialization failed/,
      cause: 'server-exited',
      generic: true,
      hint: "vLLM's engine failed to start: the error printed above this line (in the EngineCore process's output) is the cause.",
      sample:
        'RuntimeError: Engine core initialization failed. See root cause above. Failed core proc(s): {}',
    },
    {
      pattern: /EngineDeadError|EngineCore encountered an issue/,
      cause: 'server-exited',
      generic: true,
      hint: "vLLM's engine crashed after start-up: the stack trace above this line names the cause (often GPU memory).",
      sample: 'EngineCore encountered an issue. See stack trace (above) for the root cause.',
    },
  ],
};
