import { dataEntries, type ServerProfile } from './profile.js';

// docs/servers.md §3: up within seconds, backends never checked at start; /health/readiness is
// public and cheap (the bare /health calls every backend, so it is used only with `deep`).
export const litellm: ServerProfile = {
  kind: 'litellm',
  label: 'LiteLLM proxy',
  defaultPort: 4000,
  healthPath: '/health/readiness',
  version: {
    path: '/health/readiness',
    read: (json) =>
      json &&
      typeof json === 'object' &&
      typeof (json as { litellm_version?: unknown }).litellm_version === 'string'
        ? (json as { litellm_version: string }).litellm_version
        : undefined,
  },
  fingerprint: (res) =>
    Object.keys(res.headers).some((h) => h.startsWith('x-litellm-')) ||
    (dataEntries(res.json).length > 0 &&
      dataEntries(res.json).every(
        (e) => e.created === 1677610602 || (e.owned_by === 'openai' && typeof e.created === 'number'),
      )),
  readyLog: [/Uvicorn running on/, /Application startup complete/],
  logSignatures: [
    {
      pattern: /yaml\.scanner\.ScannerError|mapping values are not allowed here|yaml\.parser\.ParserError/,
      cause: 'server-exited',
      hint: 'The LiteLLM config file is not valid YAML (often indentation): check it with a YAML linter.',
      sample: 'yaml.scanner.ScannerError: mapping values are not allowed here',
    },
    {
      pattern: /exec: "--config": executable file not found/,
      cause: 'server-exited',
      hint: 'The container was given "--config" as its command: pass the arguments after the image entrypoint (litellm --config ...).',
      sample: 'exec: "--config": executable file not found in $PATH: unknown.',
    },
    {
      pattern:
        /Config file not found|FileNotFoundError: \[Errno 2\] No such file or directory: '[^']*\.ya?ml'/,
      cause: 'server-exited',
      hint: 'The LiteLLM config file is missing: mount it into the container and pass its path with --config.',
      sample: "FileNotFoundError: [Errno 2] No such file or directory: '/app/config.yaml'",
    },
  ],
};
