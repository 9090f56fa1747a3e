import { ownedByAll, type ServerProfile } from './profile.js';
import { SGLANG_PHASES } from './other-phases.js';

// docs/servers.md §2: /health is 503 during warmup and 200 after one generated token.
export const sglang: ServerProfile = {
  kind: 'sglang',
  label: 'SGLang',
  defaultPort: 30000,
  healthPath: '/health',
  version: {
    path: '/get_server_info',
    read: (json) =>
      json && typeof json === 'object' && typeof (json as { version?: unknown }).version === 'string'
        ? (json as { version: string }).version
        : undefined,
  },
  fingerprint: (res) => ownedByAll(res.json, 'sglang'),
  readyLog: [/The server is fired up and ready to roll!/],
  startupPhases: SGLANG_PHASES,
  logSignatures: [
    {
      pattern: /Not enough memory\. Please try to increase --mem-fraction-static/,
      cause: 'out-of-memory',
      hint: 'No room left for the KV cache pool: tune --mem-fraction-static or shorten --context-length.',
      sample: 'RuntimeError: Not enough memory. Please try to increase --mem-fraction-static.',
    },
    {
      pattern: /Initialization failed\. warmup error.*(502|403)|res=<Response \[(502|403)\]>/,
      cause: 'proxy-intercept',
      hint: "SGLang's own warmup request went through an HTTP proxy: set no_proxy=localhost,127.0.0.1,0.0.0.0 for the server, or unset http_proxy.",
      sample: "AssertionError: res=<Response [502]>, res.text=''",
    },
    {
      // The warmup failed for a reason other than a proxy: the traceback after this line names it.
      pattern: /Initialization failed\. warmup error/,
      cause: 'server-exited',
      generic: true,
      hint: "SGLang's warmup request failed, so it shut itself down: the lines after this one say why.",
      sample: 'Initialization failed. warmup error:',
    },
  ],
};
