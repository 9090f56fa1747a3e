import { ownedByAll, type ServerProfile } from './profile.js';
import { LLAMA_CPP_PHASES } from './other-phases.js';

// docs/servers.md §5: HTTP first, then 503 "Loading model" on every route until the model is in.
export const llamaCpp: ServerProfile = {
  kind: 'llamacpp',
  label: 'llama.cpp llama-server',
  defaultPort: 8080,
  healthPath: '/health',
  fingerprint: (res) => res.headers.server === 'llama.cpp' || ownedByAll(res.json, 'llamacpp'),
  // Current builds log "llama_server: model loaded" then "llama_server: listening on http://…" once ready;
  // older ones "main: server is listening on … - starting the main loop".
  readyLog: [
    /server is listening on/,
    /llama_server: listening on http/,
    /llama_server: model loaded/,
    /all slots are idle/,
  ],
  startupPhases: LLAMA_CPP_PHASES,
  logSignatures: [
    {
      // `-hf repo:quant` downloads through the Hugging Face API; these are that download failing.
      pattern:
        /error from HF API, response code: \d{3}|get_repo_commit: error: GET failed|common_download_file\w*: \w* ?(?:error|failed)/,
      cause: 'model-download-failed',
      hint: "llama-server could not download the model from Hugging Face (-hf): check the repo and quant name, HF_TOKEN for a gated or private repo, and the runner's network; or download the GGUF in an earlier step and pass -m.",
      sample:
        'what():  error from HF API, response code: 500, data: {"error":"Internal Error - We\'re working hard to fix this as soon as possible!"}',
    },
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
      pattern: /data is not within the file bounds/,
      cause: 'model-download-failed',
      hint: 'The GGUF file is truncated or corrupt (often an interrupted download): delete it and download it again.',
      sample:
        'llama_model_load: error loading model: tensor data is not within the file bounds, model is corrupted or incomplete',
    },
    {
      // The reason sits on the "error loading model:" line or the one before; these lines only follow it.
      pattern: /error loading model:|failed to load model|exiting due to model loading error/,
      cause: 'server-exited',
      generic: true,
      hint: 'llama-server could not load the model file (corrupt, truncated or unsupported GGUF): check the file and its download.',
      sample: 'main: exiting due to model loading error',
    },
    {
      pattern: /exiting due to HTTP server error/,
      cause: 'server-exited',
      generic: true,
      hint: 'llama-server could not start its HTTP server: the line before says why (a port in use, or a --host it cannot bind).',
      sample: 'main: exiting due to HTTP server error',
    },
  ],
};
