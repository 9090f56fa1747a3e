import { dataEntries, readVersionField, type ServerProfile } from './profile.js';

// docs/servers.md §8: /readyz is 503 while preloading (v4.x); model entries carry no owned_by.
export const localai: ServerProfile = {
  kind: 'localai',
  label: 'LocalAI',
  defaultPort: 8080,
  healthPath: '/readyz',
  version: { path: '/version', read: (json) => readVersionField(json) },
  fingerprint: (res) => {
    const entries = dataEntries(res.json);
    return entries.length > 0 && entries.every((e) => !('owned_by' in e) && !('created' in e));
  },
  readyLog: [/LocalAI API is listening|Fiber .* listening|API server listening/i],
  embeds: ['llamacpp'],
  logSignatures: [
    {
      pattern: /Failed to install model|gallery\.InstallModel|error installing model/,
      cause: 'model-download-failed',
      hint: 'LocalAI could not install the model from its gallery or URL: check the model name or URI, the network, and the models directory.',
      sample:
        'Failed to install model: Phi-3-mini-4k-instruct-q4.gguf(file /ssd1/wy/workspace3/LocalAI/models/Phi-3-mini-4k-instruct-q4.gguf does not exist (stat /ssd1/wy/workspace3/LocalAI/models/Phi-3-mini-4k-instruct-q4.gguf: no such file or directory)',
    },
    {
      pattern: /could not load model: .{0,200}(?:no such file or directory|does not exist)/,
      cause: 'model-download-failed',
      hint: 'The model file is not in the models directory: download it first (local-ai models install, or a gallery/URI in the model config), or fix the path in the model config.',
      sample:
        '5:38AM INF [whisper] Fails: could not load model: rpc error: code = Unknown desc = stat /build/models/huggingface:/l3utterfly/phi-2-layla-v1-chatml-gguf/phi-2-layla-v1-chatml-Q8_0.gguf: no such file or directory',
    },
    {
      // Each backend LocalAI tries says this; the backend's own output before it names the reason.
      pattern: /Fails: could not load model/,
      cause: 'server-exited',
      generic: true,
      hint: "LocalAI's backend could not load the model: the lines before say why (memory, a model format the backend does not support, a backend that crashed).",
      sample:
        'api_1  | 8:39AM INF [llama-cpp] Fails: could not load model: rpc error: code = Unavailable desc = error reading from server: EOF',
    },
  ],
};
