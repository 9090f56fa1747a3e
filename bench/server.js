// A benchmark server, run as a child process (fork) so it shares no event loop with the harness or a contender.
// Lifecycle, on the wire like llama.cpp's llama-server (profile: src/servers/llama-cpp.ts), the kind whose load
// has a visible 503 phase: nothing listening for refuseMs (connections refused), then 503 "Loading model" on
// every route for loadingMs, then ready (/health 200, /v1/models lists the model).
// shape 'vllm' is shaped like vLLM (src/servers/vllm.ts): it listens only once the model is loaded, so it
// refuses for refuseMs and then serves at once (loadingMs is 0), its model list owned by "vllm".
//
// Protocol over IPC:
//   child → parent  { event: 'up' }                          booted, not listening yet
//   parent → child  { cmd: 'go', port, refuseMs, loadingMs, shape? }  start the lifecycle now
//   child → parent  { event: 'listening', atMs } then { event: 'ready', atMs }
//   parent → child  { cmd: 'report' }  →  { event: 'report', requests: [{ atMs, path, status, phase }] }
// Every atMs is performance.timeOrigin + performance.now(): wall-clock milliseconds with sub-millisecond
// resolution, comparable with the harness's own clock.

import { createServer } from 'node:http';

if (!process.send) {
  console.error('bench/server.js is started by bench/run.ts, which talks to it over IPC.');
  process.exit(2);
}

const now = () => performance.timeOrigin + performance.now();
const MODEL_ID = 'bench-model';
const LOADING_BODY = JSON.stringify({
  error: { message: 'Loading model', type: 'unavailable_error', code: 503 },
});
const modelList = (ownedBy) =>
  JSON.stringify({
    object: 'list',
    data: [{ id: MODEL_ID, object: 'model', created: 1_732_500_000, owned_by: ownedBy, meta: {} }],
  });
const SHAPES = {
  llamacpp: { headers: { server: 'llama.cpp' }, models: modelList('llamacpp') },
  vllm: { headers: { server: 'uvicorn' }, models: modelList('vllm') },
};

const requests = [];
let phase = 'refusing';
let shape = SHAPES.llamacpp;

const server = createServer((req, res) => {
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  const headers = { 'content-type': 'application/json', ...shape.headers };
  let status;
  let body;
  if (phase === 'loading') {
    status = 503;
    body = LOADING_BODY;
  } else if (path === '/health' || path === '/v1/health') {
    status = 200;
    body = '{"status":"ok"}';
  } else if (path === '/version' && shape === SHAPES.vllm) {
    status = 200;
    body = '{"version":"0.11.0"}';
  } else if (path === '/v1/models' || path === '/models') {
    status = 200;
    body = shape.models;
  } else {
    status = 404;
    body = JSON.stringify({ error: { code: 404, message: 'File Not Found', type: 'not_found_error' } });
  }
  requests.push({ atMs: now(), path, status, phase });
  res.writeHead(status, headers);
  res.end(body);
});

process.on('message', (message) => {
  if (message.cmd === 'go') {
    shape = SHAPES[message.shape ?? 'llamacpp'];
    setTimeout(() => {
      server.listen(message.port, '127.0.0.1', () => {
        phase = message.loadingMs > 0 ? 'loading' : 'ready';
        process.send({ event: 'listening', atMs: now() });
        const becomeReady = () => {
          phase = 'ready';
          process.send({ event: 'ready', atMs: now() });
        };
        if (message.loadingMs > 0) setTimeout(becomeReady, message.loadingMs);
        else becomeReady();
      });
    }, message.refuseMs);
  } else if (message.cmd === 'report') {
    process.send({ event: 'report', requests });
  }
});

server.on('error', (error) => {
  process.send({ event: 'error', message: String(error) });
  process.exit(1);
});
process.on('disconnect', () => process.exit(0));
process.send({ event: 'up' });
