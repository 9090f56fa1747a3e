import { ownedByAll, type ServerProfile } from './profile.js';

// shared/reference/servers.md §9: no health route; /v1/models with owned_by "organization_owner".
export const lmStudio: ServerProfile = {
  kind: 'lmstudio',
  label: 'LM Studio',
  defaultPort: 1234,
  fingerprint: (res) => ownedByAll(res.json, 'organization_owner'),
  readyLog: [/Server started|Success! HTTP server listening/],
  startHint: 'lms server start --port 1234',
  logSignatures: [],
};
