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
  logSignatures: [],
};
