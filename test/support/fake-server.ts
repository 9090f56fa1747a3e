import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createConnection, createServer as createNetServer, type Socket } from 'node:net';

/**
 * In-test servers that behave on the wire like the real ones (docs/servers.md): the same routes,
 * status codes, bodies and headers through their lifecycle (refusing → loading → ready) and when broken.
 */
export type FakeKind =
  'vllm' | 'sglang' | 'litellm' | 'ollama' | 'llamacpp' | 'tgi' | 'localai' | 'lmstudio' | 'openai';

/** What each kind reports as its version, where it reports one (null: it has no version route). */
export const FAKE_VERSIONS: Record<FakeKind, string | null> = {
  vllm: '0.11.2',
  sglang: '0.5.4',
  litellm: '1.79.0',
  ollama: '0.12.3',
  llamacpp: null,
  tgi: '3.3.6',
  localai: 'v4.1.0',
  lmstudio: null,
  openai: null,
};

export interface FakeOptions {
  kind: FakeKind;
  models?: string[];
  apiKey?: string;
  /**
   * Answer "loading" (the kind's own way) for this long after listening. TGI never loads while listening, so
   * its "loading" is what a failing health check answers: 503 unhealthy.
   */
  loadingMs?: number;
  /**
   * Answer "loading" to this many requests before serving. Counting requests instead of milliseconds makes
   * the loading phase certain to show in the timeline, however slow the machine is.
   */
  loadingRequests?: number;
  /** Stay loading until `finishLoading()` is called (for a server that never finishes loading, never call it). */
  loadingUntilReleased?: boolean;
  /** Host to bind: 127.0.0.1 by default; '::1' to test IPv6 localhost. */
  host?: string;
  port?: number;
  /** Ollama bound to loopback rejects a non-local Host header with 403 and an empty body. */
  hostGuard?: boolean;
  /** Override any route: return true when handled. */
  handle?: (req: IncomingMessage, res: ServerResponse, body: string) => boolean | Promise<boolean>;
  /** Fail the smoke completion with this status and body. */
  completionError?: { status: number; body: string };
}

export interface FakeServer {
  url: string;
  port: number;
  host: string;
  requests: Array<{ method: string; path: string; at: number; authorization?: string; host?: string }>;
  readyAt: number | undefined;
  /** Ends the loading phase of a server started with `loadingUntilReleased`. */
  finishLoading(): void;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
};

function modelList(kind: FakeKind, models: string[]): unknown {
  const now = 1_732_500_000;
  switch (kind) {
    case 'vllm':
      return {
        object: 'list',
        data: models.map((id) => ({
          id,
          object: 'model',
          created: now,
          owned_by: 'vllm',
          root: id,
          parent: null,
          max_model_len: 32768,
          permission: [],
        })),
      };
    case 'sglang':
      return {
        object: 'list',
        data: models.map((id) => ({
          id,
          object: 'model',
          created: now,
          owned_by: 'sglang',
          root: id,
          max_model_len: 32768,
        })),
      };
    case 'litellm':
      return {
        data: models.map((id) => ({ id, object: 'model', created: 1677610602, owned_by: 'openai' })),
        object: 'list',
      };
    case 'ollama':
      return {
        object: 'list',
        // A Go nil slice: Ollama with nothing pulled answers `"data": null`.
        data: models.length
          ? models.map((id) => ({
              id,
              object: 'model',
              created: now,
              owned_by: id.includes('/') ? id.split('/')[0] : 'library',
            }))
          : null,
      };
    case 'llamacpp':
      return {
        models: models.map((id) => ({
          name: id,
          model: id,
          modified_at: '',
          size: '',
          digest: '',
          type: 'model',
        })),
        object: 'list',
        data: models.map((id) => ({
          id,
          object: 'model',
          created: now,
          owned_by: 'llamacpp',
          meta: { n_ctx_train: 256 },
        })),
      };
    case 'tgi':
      return {
        object: 'list',
        data: models.map((id) => ({ id, object: 'model', created: 0, owned_by: id })),
      };
    case 'localai':
      return { object: 'list', data: models.map((id) => ({ id, object: 'model' })) };
    case 'lmstudio':
      return {
        data: models.map((id) => ({ id, object: 'model', owned_by: 'organization_owner' })),
        object: 'list',
      };
    case 'openai':
      return {
        object: 'list',
        data: models.map((id) => ({ id, object: 'model', created: now, owned_by: 'system' })),
      };
  }
}

/** Each kind's 401, as docs/servers.md quotes it. */
function unauthorized(kind: FakeKind, res: ServerResponse, authorization: string | undefined) {
  switch (kind) {
    case 'litellm':
      return json(
        res,
        401,
        {
          error: {
            message: authorization
              ? 'Authentication Error, Invalid proxy server token passed.'
              : 'Authentication Error, No api key passed in.',
            type: 'auth_error',
            param: 'None',
            code: '401',
          },
        },
        { server: 'uvicorn' },
      );
    case 'llamacpp':
      return json(
        res,
        401,
        { error: { message: 'Invalid API Key', type: 'authentication_error', code: 401 } },
        { server: 'llama.cpp' },
      );
    case 'localai':
      return json(
        res,
        401,
        { error: { code: 401, message: 'An authentication key is required', type: 'invalid_request_error' } },
        { 'www-authenticate': 'Bearer' },
      );
    case 'tgi':
      res.writeHead(401);
      return res.end();
    case 'lmstudio':
      // LM Studio's 401 body is unverified (docs/servers.md §9): an OpenAI-style envelope is the likely shape.
      return json(res, 401, {
        error: { message: 'Invalid or missing API token', type: 'invalid_request_error' },
      });
    default:
      return json(res, 401, { error: 'Unauthorized' }, kind === 'openai' ? {} : { server: 'uvicorn' });
  }
}

/** Which paths need the key, per kind (vLLM: only /v1; SGLang: all but /health; TGI: only generation). */
export function guarded(kind: FakeKind, path: string): boolean {
  switch (kind) {
    case 'vllm':
      return path.startsWith('/v1');
    case 'sglang':
      return !path.startsWith('/health');
    case 'llamacpp':
      return !['/health', '/v1/health', '/models', '/v1/models', '/'].includes(path);
    case 'tgi':
      return ['/v1/chat/completions', '/v1/completions', '/generate', '/generate_stream'].includes(path);
    case 'litellm':
      return !['/', '/health/liveliness', '/health/liveness', '/health/readiness'].includes(path);
    case 'localai':
      return !['/healthz', '/readyz', '/'].includes(path);
    case 'ollama':
      return false;
    default:
      return true;
  }
}

/** What the kind answers for a model it does not serve (docs/servers.md matrix); undefined: it accepts any name. */
function unknownModel(kind: FakeKind, res: ServerResponse, model: string): boolean {
  switch (kind) {
    case 'vllm':
      json(
        res,
        404,
        {
          error: {
            message: `The model \`${model}\` does not exist.`,
            type: 'NotFoundError',
            param: null,
            code: 404,
          },
        },
        { server: 'uvicorn' },
      );
      return true;
    case 'litellm':
      json(
        res,
        400,
        {
          error: {
            message: `/chat/completions: Invalid model name passed in model=${model}. Call \`/v1/models\` to view available models for your key.`,
            type: 'None',
            param: 'None',
            code: '400',
          },
        },
        { server: 'uvicorn' },
      );
      return true;
    case 'ollama':
      json(res, 404, {
        error: { message: `model '${model}' not found`, type: 'not_found_error', param: null, code: null },
      });
      return true;
    case 'localai':
      json(res, 404, {
        error: {
          code: 404,
          message: `model "${model}" not found. To see available models, call GET /v1/models`,
          type: 'invalid_request_error',
        },
      });
      return true;
    case 'openai':
    case 'lmstudio':
      json(res, 404, { error: { message: `model '${model}' not found`, type: 'invalid_request_error' } });
      return true;
    default:
      return false;
  }
}

/** Ollama's allowedHostsMiddleware: localhost, loopback literals and *.localhost/*.local/*.internal names pass. */
function localHost(hostHeader: string | undefined): boolean {
  if (!hostHeader) return true;
  const host = hostHeader
    .replace(/:\d+$/, '')
    .replace(/^\[|\]$/g, '')
    .toLowerCase();
  return (
    host === 'localhost' ||
    host === '127.0.0.1' ||
    host === '::1' ||
    /\.(localhost|local|internal)$/.test(host)
  );
}

export async function startFakeServer(options: FakeOptions): Promise<FakeServer> {
  const kind = options.kind;
  const models = options.models ?? ['test-model'];
  const requests: FakeServer['requests'] = [];
  let listenedAt = 0;
  let loadingAnswers = 0;
  let released = !options.loadingUntilReleased;
  const state = { readyAt: undefined as number | undefined };
  const loading = () => {
    const isLoading =
      !released ||
      Date.now() - listenedAt < (options.loadingMs ?? 0) ||
      loadingAnswers < (options.loadingRequests ?? 0);
    if (!isLoading && state.readyAt === undefined) state.readyAt = Date.now();
    return isLoading;
  };
  const version = FAKE_VERSIONS[kind];

  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const authorization = req.headers.authorization;
    requests.push({
      method: req.method ?? 'GET',
      path,
      at: Date.now(),
      ...(authorization ? { authorization } : {}),
      ...(req.headers.host ? { host: req.headers.host } : {}),
    });
    if (options.handle && (await options.handle(req, res, body))) return;
    if (kind === 'ollama' && options.hostGuard && !localHost(req.headers.host)) {
      res.writeHead(403);
      return res.end();
    }
    const isLoading = loading();
    const answerLoading = () => {
      loadingAnswers++;
    };

    // llama.cpp answers every route with 503 "Loading model" before even checking the key.
    if (kind === 'llamacpp' && isLoading) {
      answerLoading();
      return json(
        res,
        503,
        { error: { message: 'Loading model', type: 'unavailable_error', code: 503 } },
        { server: 'llama.cpp' },
      );
    }
    if (options.apiKey && guarded(kind, path) && authorization !== `Bearer ${options.apiKey}`) {
      return unauthorized(kind, res, authorization);
    }
    const extra: Record<string, string> =
      kind === 'llamacpp'
        ? { server: 'llama.cpp' }
        : kind === 'vllm' || kind === 'sglang' || kind === 'litellm'
          ? { server: 'uvicorn' }
          : {};

    if (path === '/health' || path === '/v1/health' || (kind === 'tgi' && path === '/ping')) {
      if (kind === 'ollama' || kind === 'lmstudio' || kind === 'localai' || kind === 'openai')
        return json(res, 404, { error: 'Not Found' }, extra);
      if (kind === 'litellm') {
        // The bare /health calls every backend and needs the key; readiness is the cheap public route.
        if (!options.apiKey || authorization === `Bearer ${options.apiKey}`)
          return json(
            res,
            200,
            { healthy_endpoints: [], unhealthy_endpoints: [], healthy_count: 0, unhealthy_count: 0 },
            extra,
          );
        return unauthorized(kind, res, authorization);
      }
      if (isLoading) {
        answerLoading();
        res.writeHead(503, kind === 'tgi' ? { 'content-type': 'application/json' } : extra);
        return res.end(
          kind === 'tgi' ? JSON.stringify({ error: 'unhealthy', error_type: 'healthcheck' }) : '',
        );
      }
      if (kind === 'llamacpp') return json(res, 200, { status: 'ok' }, extra);
      res.writeHead(200, extra);
      return res.end();
    }
    if (kind === 'litellm' && (path === '/health/liveliness' || path === '/health/liveness'))
      return json(res, 200, "I'm alive!", extra);
    if (path === '/health/readiness' && kind === 'litellm') {
      return json(
        res,
        200,
        {
          status: 'healthy',
          db: 'Not connected',
          cache: null,
          litellm_version: version,
          success_callbacks: [],
        },
        extra,
      );
    }
    if (path === '/healthz' && kind === 'localai') {
      res.writeHead(200);
      return res.end();
    }
    if (path === '/readyz' && kind === 'localai') {
      if (isLoading) {
        answerLoading();
        return json(res, 503, { status: 'starting', reason: 'startup preload in progress' });
      }
      res.writeHead(200);
      return res.end();
    }
    if (path === '/' && kind === 'ollama') {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      return res.end(req.method === 'HEAD' ? undefined : 'Ollama is running');
    }
    if (path === '/' && kind === 'litellm') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', ...extra });
      return res.end(
        '<!DOCTYPE html><html><head><title>LiteLLM API - Swagger UI</title></head><body></body></html>',
      );
    }
    if (path === '/' && kind === 'tgi') {
      if (isLoading) {
        answerLoading();
        return json(res, 503, { error: 'unhealthy', error_type: 'healthcheck' });
      }
      res.writeHead(200);
      return res.end();
    }
    if (path === '/api/version' && kind === 'ollama') return json(res, 200, { version });
    if (path === '/api/tags' && kind === 'ollama')
      return json(res, 200, {
        models: models.map((name) => ({ name, model: name, modified_at: '2026-01-01T00:00:00Z', size: 1 })),
      });
    if (path === '/version' && (kind === 'vllm' || kind === 'localai'))
      return json(res, 200, { version }, extra);
    if (path === '/info' && kind === 'tgi')
      return json(res, 200, {
        model_id: models[0],
        model_sha: null,
        router: 'text-generation-router',
        version,
        sha: null,
        docker_label: null,
      });
    if (path === '/get_server_info' && kind === 'sglang') return json(res, 200, { version }, extra);
    if (path === '/get_model_info' && kind === 'sglang')
      return json(res, 200, { model_path: models[0], is_generation: true }, extra);
    if (path === '/v1/models' || path === '/models') {
      // The list is up while the kind's own readiness route is not: SGLang warmup (/health 503), LocalAI
      // preload (/readyz 503), a TGI shard failing its health check. LiteLLM, Ollama and LM Studio list at once.
      if (isLoading && !['sglang', 'localai', 'tgi', 'litellm', 'ollama', 'lmstudio'].includes(kind)) {
        answerLoading();
        return json(res, 503, { error: { message: 'Loading', code: 503 } }, extra);
      }
      return json(res, 200, modelList(kind, models), extra);
    }
    if (path === '/v1/chat/completions' && req.method === 'POST') {
      let request: { model?: string; stream?: boolean } = {};
      try {
        request = JSON.parse(body) as typeof request;
      } catch {
        return json(res, 400, { error: { message: 'bad json' } });
      }
      if (options.completionError)
        return json(res, options.completionError.status, options.completionError.body);
      const served = (id: string) =>
        models.includes(id) || (kind === 'ollama' && models.includes(`${id}:latest`));
      if (!served(request.model ?? '') && unknownModel(kind, res, request.model ?? '')) return;
      if (request.stream) {
        res.writeHead(200, { 'content-type': 'text/event-stream', ...extra });
        res.write(
          `data: ${JSON.stringify({ choices: [{ index: 0, delta: { role: 'assistant', content: 'OK' } }] })}\n\n`,
        );
        res.write(
          `data: ${JSON.stringify({ choices: [{ index: 0, delta: {}, finish_reason: 'length' }] })}\n\n`,
        );
        return res.end('data: [DONE]\n\n');
      }
      return json(
        res,
        200,
        { choices: [{ index: 0, message: { role: 'assistant', content: 'OK' }, finish_reason: 'length' }] },
        extra,
      );
    }
    if (kind === 'ollama') {
      res.writeHead(404, { 'content-type': 'text/plain' });
      return res.end('404 page not found');
    }
    return json(
      res,
      404,
      kind === 'llamacpp'
        ? { error: { message: 'File Not Found', type: 'not_found_error', code: 404 } }
        : { error: { message: 'Not Found', type: 'Not Found' } },
      extra,
    );
  });
  server.keepAliveTimeout = 500;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: options.port ?? 0, host, ipv6Only: host.includes(':') }, () => resolve());
  });
  listenedAt = Date.now();
  const port = (server.address() as AddressInfo).port;
  const close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    host,
    requests,
    get readyAt() {
      loading();
      return state.readyAt;
    },
    finishLoading() {
      released = true;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** A port nothing listens on (bound, then released). */
export async function closedPort(host = '127.0.0.1'): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, host, () => resolve()));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface RawServer {
  url: string;
  port: number;
  /** Connections accepted so far. */
  connections: number;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * A TCP server that speaks whatever `onConnection` writes: for servers that hang, drip bytes or are not HTTP.
 * Closing destroys every socket it accepted, so a test never leaks a hung connection.
 */
export async function startRawServer(onConnection: (socket: Socket) => void): Promise<RawServer> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createNetServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  const close = async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get connections() {
      return connections;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** Writes `text` one byte every `gapMs` and never finishes: a server that drips header bytes. */
export function drip(socket: Socket, text: string, gapMs: number): void {
  let at = 0;
  const timer = setInterval(() => {
    if (socket.destroyed) return clearInterval(timer);
    socket.write(text[at % text.length]!);
    at++;
  }, gapMs);
  socket.on('close', () => clearInterval(timer));
}

export interface Blackhole {
  url: string;
  port: number;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * An address where a TCP connect neither succeeds nor is refused, as behind a firewall that drops packets,
 * made on loopback: a stopped process holds a listening socket whose accept queue is full, so the kernel
 * drops every further SYN.
 */
export async function startBlackhole(): Promise<Blackhole> {
  const child = spawn(
    process.execPath,
    [
      '-e',
      "const s = require('net').createServer(() => {}); s.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => console.log(s.address().port));",
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.stdout.once('data', (data: Buffer) => resolve(Number(String(data).trim())));
  });
  child.kill('SIGSTOP');
  // Fill the accept queue (backlog + 1 on Linux); later connects then hang.
  const fillers: Socket[] = [];
  for (;;) {
    const socket = createConnection(port, '127.0.0.1');
    socket.on('error', () => {});
    fillers.push(socket);
    const connected = await Promise.race([
      once(socket, 'connect').then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 200).unref()),
    ]);
    if (!connected || fillers.length > 16) break;
  }
  const close = async () => {
    for (const socket of fillers) socket.destroy();
    child.kill('SIGKILL');
    if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
  };
  return { url: `http://127.0.0.1:${port}`, port, close, [Symbol.asyncDispose]: close };
}
