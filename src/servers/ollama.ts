import { dataEntries, readVersionField, type ServerProfile } from './profile.js';
import { OLLAMA_PHASES } from './other-phases.js';

// docs/servers.md §4: listens within a second, models load lazily, GET / says "Ollama is running".
export const ollama: ServerProfile = {
  kind: 'ollama',
  label: 'Ollama',
  defaultPort: 11434,
  healthPath: '/',
  version: { path: '/api/version', read: (json) => readVersionField(json) },
  fingerprint: (res) => {
    const entries = dataEntries(res.json);
    // Ollama lists `owned_by` as the name's namespace ("library" for official models) and a tag in the id.
    return (
      entries.length > 0 &&
      entries.every(
        (e) =>
          typeof e.id === 'string' &&
          /:[\w.-]+$/.test(e.id) &&
          typeof e.owned_by === 'string' &&
          !('max_model_len' in e),
      )
    );
  },
  readyLog: [/Listening on .*\(version/],
  embeds: ['llamacpp'],
  startupPhases: OLLAMA_PHASES,
  logSignatures: [
    {
      pattern: /pull model manifest: file does not exist|manifest unknown/,
      cause: 'model-download-failed',
      hint: 'That model name or tag does not exist in the Ollama registry: check it (e.g. llama3.2:1b).',
      sample: 'Error: pull model manifest: file does not exist',
    },
    {
      // The registry could not be reached: a pull (ollama pull, or a model pulled on first use) fails this way.
      pattern:
        /pull model manifest: (?:Get|Head) |max retries exceeded: |registry\.ollama\.ai\S{0,200}(?: |\\")?: ?(?:dial tcp|net\/http)|net\/http: TLS handshake timeout/,
      cause: 'model-download-failed',
      hint: 'Ollama could not download from its registry (registry.ollama.ai): check the network of the machine or container that runs Ollama, HTTPS_PROXY for the Ollama process itself, or pre-pull the model into a cached volume.',
      sample:
        'Error: pull model manifest: Get "https://registry.ollama.ai/v2/library/llama3/manifests/latest": dial tcp 104.21.75.227:443: i/o timeout',
    },
    {
      // Before the generic "runner terminated" row: the same line often names the memory failure after it.
      pattern:
        /process has terminated: \S{0,40}(?:cudaMalloc failed: out of memory|out of memory|failed to allocate)|model requires more system memory|insufficient memory - required allocations/,
      cause: 'out-of-memory',
      hint: 'The model needs more memory than the runner has: use a smaller model or quantization.',
      sample: 'Error: model requires more system memory (8.9 GiB) than is available (6.7 GiB)',
    },
    {
      pattern:
        /(llama runner|llama-server) process has terminated|llama-server process no longer running|timed out waiting for (llama runner|llama-server) to start/,
      cause: 'server-exited',
      hint: "Ollama's model runner died while loading the model: the lines around it say why (memory, a corrupt download).",
      sample: 'Error: llama runner process has terminated: signal: killed',
    },
    {
      pattern: /no compatible GPUs were discovered/,
      cause: 'server-exited',
      fatal: false,
      hint: 'Ollama found no usable GPU and runs on the CPU (slow): expect long loads, or check the GPU driver and --gpus all.',
      sample: 'no compatible GPUs were discovered',
    },
  ],
};
