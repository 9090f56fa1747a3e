import { dataEntries, readVersionField, type ServerProfile } from './profile.js';
import { TGI_PHASES } from './other-phases.js';

// docs/servers.md §6: binds only after download, shard start and warmup; /info names the router.
export const tgi: ServerProfile = {
  kind: 'tgi',
  label: 'Hugging Face TGI',
  defaultPort: 3000,
  healthPath: '/health',
  version: { path: '/info', read: (json) => readVersionField(json) },
  fingerprint: (res) => {
    const entries = dataEntries(res.json);
    return entries.length > 0 && entries.every((e) => e.created === 0 && e.owned_by === e.id);
  },
  readyLog: [/\bConnected\b/],
  startupPhases: TGI_PHASES,
  logSignatures: [
    {
      pattern:
        /Not enough VRAM to run the model|Not enough memory to handle .*(prefill tokens|max_total_tokens)/,
      cause: 'out-of-memory',
      hint: 'The GPU has too little memory for these settings: lower --max-batch-prefill-tokens / --max-total-tokens, or quantize.',
      sample:
        'Not enough memory to handle 4096 prefill tokens. You need to decrease `--max-batch-prefill-tokens`',
    },
    {
      pattern: /not enough cuda devices/,
      cause: 'server-exited',
      hint: 'TGI was asked for more GPUs than it can see: lower --num-shard, or give the container all GPUs (--gpus all).',
      sample: 'not enough cuda devices',
    },
    {
      pattern: /text-generation-server not found in PATH/,
      cause: 'server-exited',
      hint: "The image has the launcher but not TGI's Python server (text-generation-server): use an official TGI image for your hardware (e.g. the -rocm or -intel tag), or install the server in it.",
      sample: 'ERROR download: text_generation_launcher: text-generation-server not found in PATH',
    },
    {
      // The Python traceback that follows names the real reason (GatedRepoError, RepositoryNotFoundError).
      pattern: /Error: DownloadError|Download encountered an error/,
      cause: 'model-download-failed',
      generic: true,
      hint: 'TGI could not download the model: the Python traceback around it names the reason (gated, not found, offline).',
      sample: 'Error: DownloadError',
    },
    {
      pattern:
        /Error: ShardCannotStart|Shard \d+ failed to start|Error: WebserverFailed|Webserver Crashed|Unable to warmup the Python model shards/,
      cause: 'server-exited',
      generic: true,
      hint: 'A TGI shard or the router failed to start: the shard output around it names the reason.',
      sample: 'Error: ShardCannotStart',
    },
  ],
};
