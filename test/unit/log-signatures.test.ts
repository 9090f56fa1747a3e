import { describe, expect, it } from 'vitest';
import { CAUSES, type ServerKind } from '../../src/causes.js';
import { matchLogLine, PROFILES, readyLogMatches, type LogSignature } from '../../src/servers/index.js';
import { SHARED_NON_FATAL_SIGNATURES, SHARED_SIGNATURES } from '../../src/servers/shared.js';

// Every row of the table, named by where it lives and its sample (a real line of that server).
const rows: Array<{ name: string; kind: ServerKind | undefined; row: LogSignature }> = [
  ...Object.values(PROFILES).flatMap((p) =>
    p.logSignatures.map((row) => ({ name: `${p.kind} → ${row.cause}: ${row.sample}`, kind: p.kind, row })),
  ),
  ...[...SHARED_SIGNATURES, ...SHARED_NON_FATAL_SIGNATURES].map((row) => ({
    name: `shared → ${row.cause}: ${row.sample}`,
    kind: undefined,
    row,
  })),
];

describe('every log signature row', () => {
  it.each(rows)('$name', ({ kind, row }) => {
    expect(CAUSES).toContain(row.cause);
    expect(row.pattern.test(row.sample)).toBe(true);
    // The sample reaches its own row: no earlier row shadows it, for its kind and when the kind is unknown.
    expect(matchLogLine(row.sample, kind)).toBe(row);
    expect(matchLogLine(row.sample, undefined)?.cause).toBe(row.cause);
  });
});

// More real lines from docs/servers.md (the section is named), beyond the one sample per row.
const realLines: Array<{ kind: ServerKind | undefined; line: string; cause: string; fatal?: false }> = [
  // §1 vLLM
  {
    kind: 'vllm',
    line: 'torch.cuda.OutOfMemoryError: CUDA out of memory. Tried to allocate 20.00 MiB.',
    cause: 'out-of-memory',
  },
  {
    kind: 'vllm',
    line: "ValueError: The model's max seq len (32768) is larger than the maximum number of tokens that can be stored in KV cache (16000). Try increasing `gpu_memory_utilization` or decreasing `max_model_len` when initializing the engine.",
    cause: 'out-of-memory',
  },
  {
    kind: 'vllm',
    line: 'TimeoutError: Timed out waiting for engine core processes to start.',
    cause: 'server-exited',
  },
  { kind: 'vllm', line: 'OSError: [Errno 98] Address already in use', cause: 'port-in-use' },
  { kind: 'vllm', line: 'RuntimeError: No CUDA GPUs are available', cause: 'server-exited' },
  { kind: 'vllm', line: 'RuntimeError: Found no NVIDIA driver on your system.', cause: 'server-exited' },
  {
    kind: 'vllm',
    line: 'vllm.v1.engine.exceptions.EngineDeadError: EngineCore encountered an issue.',
    cause: 'server-exited',
  },
  // §10 Hugging Face Hub, printed by vLLM, SGLang, TGI alike
  {
    kind: 'vllm',
    line: 'huggingface_hub.errors.GatedRepoError: 401 Client Error. Cannot access gated repo for url https://huggingface.co/meta-llama/Llama-3.2-1B/resolve/main/config.json.',
    cause: 'gated-model',
  },
  {
    kind: 'sglang',
    line: 'Access to model meta-llama/Llama-3.2-1B is restricted and you are not in the authorized list.',
    cause: 'gated-model',
  },
  { kind: 'tgi', line: 'OSError: You are trying to access a gated repo.', cause: 'gated-model' },
  {
    kind: 'vllm',
    line: "OSError: Qwen/Qwen2.5-0.5B-Instruc is not a local folder and is not a valid model identifier listed on 'https://huggingface.co/models'",
    cause: 'model-download-failed',
  },
  {
    kind: 'tgi',
    line: 'huggingface_hub.errors.EntryNotFoundError: 404 Client Error. Entry Not Found for url: https://huggingface.co/Qwen/Qwen2.5-0.5B-Instruct/resolve/main/model.safetensors.',
    cause: 'model-download-failed',
  },
  { kind: undefined, line: '429 Too Many Requests', cause: 'model-download-failed', fatal: false },
  // §2 SGLang
  {
    kind: 'sglang',
    line: "ERROR:    [Errno 98] error while attempting to bind on address ('127.0.0.1', 30000): address already in use",
    cause: 'port-in-use',
  },
  { kind: 'sglang', line: "AssertionError: res=<Response [403]>, res.text=''", cause: 'proxy-intercept' },
  { kind: 'sglang', line: 'torch.OutOfMemoryError: CUDA out of memory.', cause: 'out-of-memory' },
  // §3 LiteLLM
  {
    kind: 'litellm',
    line: 'docker: Error response from daemon: failed to create task for container: exec: "--config": executable file not found in $PATH: unknown.',
    cause: 'server-exited',
  },
  // §4 Ollama
  {
    kind: 'ollama',
    line: 'Error: timed out waiting for llama runner to start - progress 0.00',
    cause: 'server-exited',
  },
  {
    kind: 'ollama',
    line: 'Error: llama-server process no longer running: exit status 2',
    cause: 'server-exited',
  },
  {
    kind: 'ollama',
    line: 'Error: insufficient memory - required allocations exceed what is free',
    cause: 'out-of-memory',
  },
  {
    kind: 'ollama',
    line: 'ggml_cuda_init: failed to initialize CUDA: no CUDA-capable device is detected',
    cause: 'server-exited',
    fatal: false,
  },
  // §5 llama.cpp
  {
    kind: 'llamacpp',
    line: "couldn't bind HTTP server socket, hostname: 127.0.0.1, port: 8080",
    cause: 'port-in-use',
  },
  {
    kind: 'llamacpp',
    line: "llama_model_load: error loading model: error loading model architecture: unknown model architecture: 'qwen9'",
    cause: 'server-exited',
  },
  {
    kind: 'llamacpp',
    line: 'ggml_backend_cuda_buffer_type_alloc_buffer: allocating 4096.00 MiB on device 0: cudaMalloc failed: out of memory',
    cause: 'out-of-memory',
  },
  { kind: 'llamacpp', line: 'llama_model_load_from_file_impl: failed to load model', cause: 'server-exited' },
  {
    kind: 'llamacpp',
    line: 'ggml_cuda_init: failed to initialize CUDA: CUDA driver version is insufficient for CUDA runtime version',
    cause: 'server-exited',
    fatal: false,
  },
  // §6 TGI (and §7 TEI's bind error)
  {
    kind: 'tgi',
    line: 'Not enough VRAM to run the model: Available: 14.50GB - Model 16.06GB.',
    cause: 'out-of-memory',
  },
  { kind: 'tgi', line: 'Not enough memory to handle `max_total_tokens=4096`', cause: 'out-of-memory' },
  {
    kind: 'tgi',
    line: 'ERROR download: text_generation_launcher: Download encountered an error:',
    cause: 'model-download-failed',
  },
  {
    kind: 'tgi',
    line: 'ERROR shard-manager: text_generation_launcher: Shard 0 failed to start',
    cause: 'server-exited',
  },
  { kind: 'tgi', line: 'Error: WebserverFailed', cause: 'server-exited' },
  {
    kind: 'tgi',
    line: 'Failed to bind to 0.0.0.0:3000: Address already in use (os error 98)',
    cause: 'port-in-use',
  },
  {
    kind: 'tgi',
    line: 'torch.distributed.DistNetworkError: errno: 98 - Address already in use',
    cause: 'port-in-use',
  },
  { kind: undefined, line: 'Could not bind TCP Listener on 0.0.0.0:80', cause: 'port-in-use' },
  // §11 Docker without the NVIDIA toolkit
  {
    kind: undefined,
    line: 'docker: Error response from daemon: could not select device driver "" with capabilities: [[gpu]].',
    cause: 'server-exited',
  },
];

describe('real log lines name their cause', () => {
  it.each(realLines)('$kind: $line', ({ kind, line, cause, fatal }) => {
    const sig = matchLogLine(line, kind);
    expect(sig?.cause).toBe(cause);
    expect(sig?.fatal).toBe(fatal);
  });
});

// What healthy servers print on the way up: none of it may end the wait.
const healthyLines: Array<{ kind: ServerKind; line: string }> = [
  { kind: 'vllm', line: 'INFO 11-23 10:00:00 [api_server.py:1839] vLLM API server version 0.11.2' },
  {
    kind: 'vllm',
    line: "(APIServer pid=1) INFO 11-23 10:00:00 [utils.py:233] non-default args: {'model': 'deepseek-ai/DeepSeek-V2-Lite', 'trust_remote_code': True}",
  },
  { kind: 'vllm', line: 'Waiting for 1 local, 0 remote core engine proc(s) to start.' },
  {
    kind: 'vllm',
    line: 'Loading safetensors checkpoint shards: 100% Completed | 1/1 [00:00<00:00,  2.79it/s]',
  },
  {
    kind: 'vllm',
    line: '(EngineCore_DP0 pid=2) INFO [gpu_worker.py:298] Available KV cache memory: 5.20 GiB',
  },
  {
    kind: 'vllm',
    line: '(EngineCore_DP0 pid=2) INFO [kv_cache_utils.py:1087] GPU KV cache size: 97,584 tokens',
  },
  { kind: 'vllm', line: 'init engine (profile, create kv cache, warmup model) took 22.78 seconds' },
  {
    kind: 'sglang',
    line: 'Load weight end. type=Qwen2ForCausalLM, dtype=torch.bfloat16, avail mem=61.40 GB, mem usage=1.00 GB.',
  },
  { kind: 'sglang', line: 'Memory pool end. avail mem=10.90 GB' },
  {
    kind: 'sglang',
    line: 'Capture cuda graph begin. This can take up to several minutes. avail mem=10.80 GB',
  },
  {
    kind: 'sglang',
    line: 'max_total_num_tokens=400000, chunked_prefill_size=8192, max_prefill_tokens=16384',
  },
  {
    kind: 'ollama',
    line: 'time=2026-11-23T10:00:00.000Z level=INFO source=server.go:637 msg="llama runner started in 1.51 seconds"',
  },
  { kind: 'llamacpp', line: 'main: model loaded' },
  { kind: 'llamacpp', line: 'NOTICE: server default port will be changed to :9931 in a future release' },
  {
    kind: 'tgi',
    line: 'INFO text_generation_launcher: Successfully downloaded weights for Qwen/Qwen2.5-0.5B-Instruct',
  },
  { kind: 'tgi', line: 'INFO shard-manager: text_generation_launcher: Shard ready in 12.3s rank=0' },
  {
    kind: 'tgi',
    line: 'INFO text_generation_router::server: router/src/server.rs:2050: Setting max batch total tokens to 16000',
  },
  { kind: 'litellm', line: 'INFO:     Uvicorn running on http://0.0.0.0:4000 (Press CTRL+C to quit)' },
];

describe('healthy start-up lines match no signature', () => {
  it.each(healthyLines)('$kind: $line', ({ kind, line }) => {
    expect(matchLogLine(line, kind)).toBeUndefined();
    expect(matchLogLine(line, undefined)).toBeUndefined();
  });
});

// §12 ready markers: these make the wait probe at once.
const readyLines: Array<{ kind: ServerKind; line: string }> = [
  { kind: 'vllm', line: 'INFO:     Application startup complete.' },
  {
    kind: 'vllm',
    line: '(APIServer pid=1) INFO [api_server.py:1880] Starting vLLM API server 0 on http://0.0.0.0:8000',
  },
  { kind: 'vllm', line: 'INFO [api_server.py:1880] Starting vLLM server on http://0.0.0.0:8000' },
  { kind: 'sglang', line: 'The server is fired up and ready to roll!' },
  { kind: 'litellm', line: 'INFO:     Uvicorn running on http://0.0.0.0:4000 (Press CTRL+C to quit)' },
  {
    kind: 'ollama',
    line: 'time=2026-11-23T10:00:00.000Z level=INFO source=routes.go:1331 msg="Listening on 127.0.0.1:11434 (version 0.12.3)"',
  },
  { kind: 'llamacpp', line: 'main: server is listening on http://127.0.0.1:8080 - starting the main loop' },
  { kind: 'tgi', line: 'INFO text_generation_router::server: router/src/server.rs:2317: Connected' },
];

describe('ready lines are recognised', () => {
  it.each(readyLines)('$kind: $line', ({ kind, line }) => {
    expect(readyLogMatches(line, kind)).toBe(true);
    expect(readyLogMatches(line, undefined)).toBe(true);
  });
});
