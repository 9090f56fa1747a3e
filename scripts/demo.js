// `npm start`: a preflight of a demo server that this command starts itself, so a newcomer sees the wait,
// the timeline and the report without any real LLM server.
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const port = await new Promise((resolve) => {
  const probe = createServer().listen(0, '127.0.0.1', () => {
    const { port } = probe.address();
    probe.close(() => resolve(port));
  });
});

console.log(`llm-preflight demo: this starts a DEMO server (not a real model) on port ${port} that refuses
connections for 1 s, answers 503 "Loading model" for 2 s, then serves "demo/tiny-chat-model".
llm-preflight waits for it, checks the model, runs a 1-token smoke completion, and reports.\n`);

const cli = join(root, 'dist/cli/index.js');
const server = `"${process.execPath}" "${join(root, 'scripts/demo-server.js')}" ${port}`;
const result = spawnSync(
  process.execPath,
  [
    cli,
    `http://localhost:${port}/v1`,
    '--model',
    'demo/tiny-chat-model',
    '--smoke',
    '--timeout',
    '30s',
    '--start',
    server,
  ],
  { stdio: 'inherit' },
);
await fetch(`http://127.0.0.1:${port}/demo/shutdown`, { method: 'POST' }).catch(() => {});
console.log(`\nThat was a demo. In a workflow: uses: <owner>/llm-preflight@v1 with base-url and model (see README.md).
Try a failure: node dist/cli/index.js http://127.0.0.1:${port} --timeout 3s`);
process.exit(result.status ?? 1);
