import { ownedByAll, type ServerProfile } from './profile.js';

// docs/servers.md §9: no health route; /v1/models with owned_by "organization_owner".
export const lmStudio: ServerProfile = {
  kind: 'lmstudio',
  label: 'LM Studio',
  defaultPort: 1234,
  fingerprint: (res) => ownedByAll(res.json, 'organization_owner'),
  readyLog: [/Server started|Success! HTTP server listening/],
  // LM Studio loads GGUF models with llama.cpp and passes its errors on ("unknown model architecture").
  embeds: ['llamacpp'],
  logSignatures: [],
};
