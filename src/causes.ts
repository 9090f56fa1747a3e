/** Cause ids of the public contract (README.md, "When it fails"; docs/servers.md for the servers behind them). Stable: add, never rename. */
export const CAUSES = [
  'connection-refused',
  'dns-failure',
  'proxy-intercept',
  'no-response',
  'tls-error',
  'still-loading',
  'server-error',
  'not-an-llm-server',
  'unauthorized',
  'model-not-found',
  'no-models',
  'bad-response',
  'smoke-failed',
  'server-exited',
  'out-of-memory',
  'gated-model',
  'model-download-failed',
  'port-in-use',
  'backend-unhealthy',
  'invalid-input',
  'cancelled',
] as const;

export type Cause = (typeof CAUSES)[number];

export const SERVER_KINDS = [
  'vllm',
  'sglang',
  'litellm',
  'ollama',
  'llamacpp',
  'tgi',
  'localai',
  'lmstudio',
  'openai',
] as const;

export type ServerKind = (typeof SERVER_KINDS)[number];
