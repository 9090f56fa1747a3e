import type { LogSignature } from './profile.js';

/**
 * Signatures every server can print: Hugging Face Hub errors, CUDA, ports, disks. Ordered most specific
 * first: the first matching row names the cause. Each sample is a real line (docs/servers.md
 * unless the row says otherwise); test/unit/log-signatures.test.ts feeds every sample to the matcher.
 *
 * Patterns must not match what a healthy server prints: vLLM logs its arguments at start-up
 * (`non-default args: {... 'trust_remote_code': True}`), so a row never matches a bare option name.
 */
/** The advice for a start command its shell could not find: not "install the server", which may be there. */
function commandNotFoundHint(shell: string): string {
  return `${shell}: command not found. The shell could not find the command the line names on the PATH of start: install it in an earlier step, activate its virtualenv in the same start line (source .venv/bin/activate && …), or give its full path; check the spelling.`;
}

export const SHARED_SIGNATURES: LogSignature[] = [
  {
    // §10: 401 without a token, 403 when the account was not granted access; transformers wraps both.
    pattern:
      /not in the authorized list|Cannot access gated repo|GatedRepoError|You are trying to access a gated repo|Access to model \S+ is restricted/,
    cause: 'gated-model',
    hint: 'The model is gated on Hugging Face. Accept its licence on the model page with the account whose token you use, and pass the token to the server (env HF_TOKEN: ${{ secrets.HF_TOKEN }}).',
    sample:
      'Access to model meta-llama/Llama-3.2-1B is restricted. You must have access to it and be authenticated to access it. Please log in.',
  },
  {
    pattern: /Make sure your token has the correct permissions/,
    cause: 'gated-model',
    hint: 'The Hugging Face token lacks read access to this repo (a fine-grained token without it): give the token read access to the repo, or use a classic "read" token.',
    sample:
      '403 Forbidden: Please enable access to public gated repositories in your fine-grained token settings to view this repository. Make sure your token has the correct permissions.',
  },
  {
    // The Hub answers 401 both for a repo that does not exist and for a gated one without a token: say both.
    pattern: /RepositoryNotFoundError: 401 Client Error/,
    cause: 'model-download-failed',
    hint: 'The Hugging Face Hub answered 401 for this repo: either the id is wrong (check it for typos) or the repo is gated or private and the server has no token (accept the licence on the model page and pass HF_TOKEN: ${{ secrets.HF_TOKEN }}).',
    sample: 'huggingface_hub.errors.RepositoryNotFoundError: 401 Client Error. (Request ID: Root=1-66f0)',
  },
  {
    pattern:
      /RepositoryNotFoundError|Repository Not Found for url|is not a valid model identifier listed on|is not a local folder and is not a valid model identifier/,
    cause: 'model-download-failed',
    hint: 'The model repo does not exist (check the id for typos) or is private (pass HF_TOKEN to the server).',
    sample:
      'huggingface_hub.errors.RepositoryNotFoundError: 404 Client Error. Repository Not Found for url: https://huggingface.co/api/models/Qwen/Qwen2.5-0.5B-Instruc/revision/main.',
  },
  {
    pattern: /Revision Not Found for url|Entry Not Found for url/,
    cause: 'model-download-failed',
    hint: 'The revision or file does not exist in the model repo: check --revision and the file names.',
    sample:
      'huggingface_hub.errors.RevisionNotFoundError: 404 Client Error. Revision Not Found for url: https://huggingface.co/api/models/Qwen/Qwen2.5-0.5B-Instruct/revision/v9.',
  },
  {
    // The Hub unreachable after retries (urllib3), often through a TLS-inspecting proxy (CERTIFICATE_VERIFY_FAILED).
    pattern:
      /MaxRetryError: HTTPSConnectionPool\(host='(?:huggingface\.co|hf-mirror\.com|cdn-lfs[\w.-]{0,40})'/,
    cause: 'model-download-failed',
    hint: "The server could not reach the Hugging Face Hub: check the runner's network and proxy (a TLS-inspecting proxy needs its CA in REQUESTS_CA_BUNDLE for the server), or cache ~/.cache/huggingface and set HF_HUB_OFFLINE=1.",
    sample:
      "urllib3.exceptions.MaxRetryError: HTTPSConnectionPool(host='huggingface.co', port=443): Max retries exceeded with url: /meta-llama/Llama-3.2-1B-Instruct/resolve/main/config.json (Caused by SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate in certificate chain (_ssl.c:1006)')))",
  },
  {
    // docs/servers.md §10, unsourced: the transformers and huggingface_hub wordings for "offline and not cached". A bare
    // HF_HUB_OFFLINE is not matched: vLLM mentions it at info level when offline mode works as meant.
    pattern:
      /We couldn't connect to '?https:\/\/huggingface\.co|LocalEntryNotFoundError|offline mode is enabled|outgoing traffic has been disabled/,
    cause: 'model-download-failed',
    hint: 'The Hugging Face Hub could not be reached (offline mode or no network) and the model is not in the local cache: restore the HF cache (actions/cache on ~/.cache/huggingface), mount it into the container, or allow network access.',
    sample:
      "OSError: We couldn't connect to 'https://huggingface.co' to load this file, couldn't find it in the cached files and it looks like Qwen/Qwen2.5-0.5B-Instruct is not the path to a directory containing a file named config.json.",
  },
  {
    // docs/servers.md §10, unsourced: transformers' message (dynamic_module_utils), quoted in vLLM issues.
    pattern:
      /contains custom code which must be executed|requires you to execute (?:the )?custom code|`trust_remote_code=True` to (?:allow|permit)/,
    cause: 'server-exited',
    hint: 'The model ships custom code: start the server with --trust-remote-code (only for repos you trust).',
    sample:
      'ValueError: The repository nvidia/NVIDIA-Nemotron-Nano-9B-v2 contains custom code which must be executed to correctly load the model.',
  },
  {
    // ggml (llama.cpp, and Ollama's runner built on it) allocating its buffers, on the GPU or the CPU. Before
    // the CUDA row: the same line may end in cudaMalloc's words, and this hint fits it better.
    pattern:
      /ggml_backend_\w{1,20}_buffer_type_alloc_buffer: (?:failed to allocate|allocating [\d.]+ MiB on device \d+: \w+ failed)|failed to allocate [\w ]{0,40}buffer|graph_reserve: failed to allocate compute buffers/,
    cause: 'out-of-memory',
    hint: 'Not enough memory for the model buffers: offload fewer layers to the GPU, use a smaller context or a smaller quantization, or a runner with more memory.',
    sample: 'ggml_backend_cpu_buffer_type_alloc_buffer: failed to allocate buffer of size 437944320',
  },
  {
    // ROCm says HIP, Intel GPUs XPU, Apple MPS: the same failure.
    pattern:
      /(?:CUDA|HIP|XPU|MPS) out of memory|torch\.(cuda\.)?OutOfMemoryError|cudaMalloc failed: out of memory|CUBLAS_STATUS_ALLOC_FAILED|hipErrorOutOfMemory/,
    cause: 'out-of-memory',
    hint: 'The GPU ran out of memory: use a smaller or quantized model, lower --max-model-len / context size, or free the GPU (a previous server may still hold it).',
    sample:
      'torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total capacity of 14.57 GiB of which 1.06 GiB is free.',
  },
  {
    // docs/servers.md §10, unsourced: the C++ runtime's and Python's own wordings for a failed host allocation.
    pattern: /\b(Cannot allocate memory|std::bad_alloc|MemoryError\b|ENOMEM\b)/,
    cause: 'out-of-memory',
    hint: 'The host ran out of memory: use a smaller model or a runner with more RAM.',
    sample: "terminate called after throwing an instance of 'std::bad_alloc'",
  },
  {
    // docs/servers.md §10, unsourced: errno 28 as Python, Go and Node print it.
    pattern: /No space left on device|\bENOSPC\b/,
    cause: 'model-download-failed',
    hint: 'The disk is full: model weights need room. Free space on the runner (remove unused toolchains) or use a smaller model.',
    sample: 'OSError: [Errno 28] No space left on device',
  },
  {
    pattern:
      /\[Errno 98\]|Address already in use|address already in use|couldn't bind HTTP server socket|Failed to bind to|Could not bind TCP Listener|EADDRINUSE|port is already allocated|WinError 10048|Only one usage of each socket address|jede Socketadresse|yuva adresi \(|套接字地址/,
    cause: 'port-in-use',
    hint: 'The port is already taken, often by a server from an earlier step that is still running: stop it, or start this one on another port.',
    sample: 'Error: listen tcp 127.0.0.1:11434: bind: address already in use',
  },
  {
    pattern:
      /Failed to infer device type|No CUDA GPUs are available|Found no NVIDIA driver|could not select device driver|No HIP GPUs are available/,
    cause: 'server-exited',
    hint: 'No usable GPU is visible to the server: run on a GPU runner, pass --gpus all to the container (with the NVIDIA container toolkit), or pick a CPU build.',
    sample: 'RuntimeError: Failed to infer device type',
  },
  {
    // An absolute URL in a request line reaches only a proxy: the server's own warm-up request (SGLang, vLLM)
    // went through HTTP(S)_PROXY, and the proxy refused it.
    pattern:
      /"(?:GET|POST) http:\/\/(?:0\.0\.0\.0|127\.0\.0\.1|localhost)(?::\d{1,5})?\/\S{0,200} HTTP\/1\.[01]" (?:403|407|502|503|504)\b/,
    cause: 'proxy-intercept',
    hint: "The server's own warm-up request to itself went through a proxy: set NO_PROXY=localhost,127.0.0.1,0.0.0.0,::1 in the server's environment (and the step's).",
    sample:
      '[2025-08-13 11:01:03] http://172.16.37.200:3138 "GET http://0.0.0.0:25600/get_model_info HTTP/1.1" 403 3582',
  },
  {
    pattern:
      /ModuleNotFoundError: No module named|ImportError: cannot import name|ImportError: No module named/,
    cause: 'server-exited',
    hint: 'A Python dependency is missing from the environment the server runs in: install the package the line names (or the server with its extras, e.g. pip install "litellm[proxy]"), or use the official image.',
    sample: "ModuleNotFoundError: No module named 'backoff'",
  },
  {
    // dash (Ubuntu's /bin/sh) has no `source`: `start: source .venv/bin/activate && vllm serve` exits 127.
    pattern: /^(?:(?:\/[\w.-]{1,50}){0,6}\/)?sh: (?:\d{1,5}: )?source: not found/,
    cause: 'server-exited',
    hint: 'start ran under sh, which has no `source`: write `. .venv/bin/activate && vllm serve …`, or set shell: bash (the default where bash exists).',
    sample: 'sh: 1: source: not found',
  },
  // Exit code 127 in each shell's words, the missing command quoted in the line itself.
  {
    pattern: /^(?:(?:\/[\w.-]{1,50}){0,6}\/)?sh: (?:\d{1,5}: )?[\w./+-]{1,200}: (?:command )?not found/,
    cause: 'server-exited',
    hint: commandNotFoundHint('sh'),
    sample: 'sh: 1: vllm: not found',
  },
  {
    pattern: /^(?:(?:\/[\w.-]{1,50}){0,6}\/)?bash: (?:line \d{1,5}: )?[\w./+-]{1,200}: command not found/,
    cause: 'server-exited',
    hint: commandNotFoundHint('bash'),
    sample: 'bash: line 1: vllm: command not found',
  },
  {
    pattern: /The term '[^']{1,200}' is not recognized as (?:a|the) name of a cmdlet/,
    cause: 'server-exited',
    hint: commandNotFoundHint('pwsh'),
    sample:
      "vllm: The term 'vllm' is not recognized as a name of a cmdlet, function, script file, or executable program.",
  },
  {
    pattern: /^'[^']{1,200}' is not recognized as an internal or external command/,
    cause: 'server-exited',
    hint: commandNotFoundHint('cmd'),
    sample: "'vllm' is not recognized as an internal or external command,",
  },
];

/** Lines that explain a slow or failed start but do not end it by themselves. */
export const SHARED_NON_FATAL_SIGNATURES: LogSignature[] = [
  {
    pattern:
      /no CUDA-capable device is detected|CUDA driver version is insufficient|failed to initialize CUDA/,
    cause: 'server-exited',
    fatal: false,
    hint: 'CUDA could not start, so the server fell back to the CPU (slow): check the GPU driver and the container toolkit.',
    sample: 'ggml_cuda_init: failed to initialize CUDA: no CUDA-capable device is detected',
  },
  {
    // §10: unauthenticated runners are rate-limited more often; the Hub client retries, and a cached model
    // still loads, so this explains a failure without causing one.
    pattern: /429 Too Many Requests|Max retries exceeded with url: \/api\/models/,
    cause: 'model-download-failed',
    fatal: false,
    hint: 'The Hugging Face Hub rate-limited or refused the download: pass HF_TOKEN (authenticated requests get a higher limit), or cache ~/.cache/huggingface between runs.',
    sample: '429 Too Many Requests',
  },
];
