import type { ServerProfile } from './profile.js';

/** Any OpenAI-compatible server: the model list is the whole readiness check. */
export const openaiCompatible: ServerProfile = {
  kind: 'openai',
  label: 'OpenAI-compatible server',
  defaultPort: 8000,
  fingerprint: () => false,
  readyLog: [/Application startup complete/, /Uvicorn running on/, /listening on/i],
  logSignatures: [],
};
