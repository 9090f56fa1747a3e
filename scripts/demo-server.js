// A demo LLM server for `npm start`: it refuses connections for a second (the process is "starting"), answers
// 503 "Loading model" for two seconds the way llama.cpp's llama-server does, then serves one model. It stops
// on POST /demo/shutdown, or by itself after a minute so a demo never leaves a server behind.
import { createServer } from 'node:http';

const port = Number(process.argv[2] ?? 8000);
const refuseMs = 1000;
const loadingMs = 2000;
const model = 'demo/tiny-chat-model';

console.log(`demo server: starting (pid ${process.pid}); loading weights…`);
setTimeout(() => {
  const listenedAt = Date.now();
  const send = (res, status, body) => {
    res.writeHead(status, { 'content-type': 'application/json', server: 'llama.cpp' });
    res.end(JSON.stringify(body));
  };
  const server = createServer((req, res) => {
    if (req.url === '/demo/shutdown') {
      send(res, 200, { ok: true });
      server.close();
      setTimeout(() => process.exit(0), 10);
      return;
    }
    if (Date.now() - listenedAt < loadingMs) {
      return send(res, 503, { error: { message: 'Loading model', type: 'unavailable_error', code: 503 } });
    }
    if (req.url === '/health') return send(res, 200, { status: 'ok' });
    if (req.url === '/v1/models') {
      return send(res, 200, {
        object: 'list',
        data: [{ id: model, object: 'model', created: 0, owned_by: 'llamacpp' }],
      });
    }
    if (req.url === '/v1/chat/completions') {
      return send(res, 200, { choices: [{ index: 0, message: { role: 'assistant', content: 'OK' } }] });
    }
    send(res, 404, { error: { message: 'File Not Found', type: 'not_found_error', code: 404 } });
  });
  server.listen(port, '127.0.0.1', () => {
    console.log(`main: server is listening on http://127.0.0.1:${port} - starting the main loop`);
    console.log('srv  load_model: loading model');
    setTimeout(() => console.log('srv  load_model: model loaded'), loadingMs);
  });
}, refuseMs);
setTimeout(() => process.exit(0), 60_000).unref();
