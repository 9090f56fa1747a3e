import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer as createNetServer } from 'node:net';

/**
 * In-test servers that behave on the wire like the real ones (shared/reference/servers.md): the same routes,
 * status codes, bodies and headers through their lifecycle (refusing → loading → ready) and when broken.
 */
export type FakeKind =
  'vllm' | 'sglang' | 'litellm' | 'ollama' | 'llamacpp' | 'tgi' | 'localai' | 'lmstudio' | 'openai';

export interface FakeOptions {
  kind: FakeKind;
  models?: string[];
  apiKey?: string;
  /** Answer "loading" (the kind's own way) for this long after listening. */
  loadingMs?: number;
  /** Host to bind: 127.0.0.1 by default; '::1' to test IPv6 localhost. */
  host?: string;
  port?: number;
  /** Override any route: return true when handled. */
  handle?: (req: IncomingMessage, res: ServerResponse, body: string) => boolean | Promise<boolean>;
  /** Fail the smoke completion with this status and body. */
  completionError?: { status: number; body: string };
}

export interface FakeServer {
  url: string;
  port: number;
  requests: Array<{ method: string; path: string; at: number; authorization?: string }>;
  readyAt: number | undefined;
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
        data: models.length
          ? models.map((id) => ({ id, object: 'model', created: now, owned_by: 'library' }))
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

function unauthorized(kind: FakeKind, res: ServerResponse, authorization: string | undefined) {
  switch (kind) {
    case 'litellm':
      return json(res, 401, {
        error: {
          message: authorization
            ? 'Authentication Error, Invalid proxy server token passed.'
            : 'Authentication Error, No api key passed in.',
          type: 'auth_error',
          param: 'None',
          code: '401',
        },
      });
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
    default:
      return json(res, 401, { error: 'Unauthorized' });
  }
}

/** Which paths need the key, per kind (vLLM: only /v1; SGLang: all but /health; TGI: only generation). */
function guarded(kind: FakeKind, path: string): boolean {
  switch (kind) {
    case 'vllm':
      return path.startsWith('/v1');
    case 'sglang':
      return !path.startsWith('/health');
    case 'llamacpp':
      return !['/health', '/v1/health', '/models', '/v1/models', '/'].includes(path);
    case 'tgi':
      return path === '/v1/chat/completions' || path === '/generate';
    case 'litellm':
      return !['/', '/health/liveliness', '/health/liveness', '/health/readiness'].includes(path);
    case 'localai':
      return !['/healthz', '/readyz', '/'].includes(path);
    default:
      return true;
  }
}

export async function startFakeServer(options: FakeOptions): Promise<FakeServer> {
  const models = options.models ?? ['test-model'];
  const requests: FakeServer['requests'] = [];
  let listenedAt = 0;
  const state = { readyAt: undefined as number | undefined };
  const loading = () => {
    const isLoading = Date.now() - listenedAt < (options.loadingMs ?? 0);
    if (!isLoading && state.readyAt === undefined) state.readyAt = listenedAt + (options.loadingMs ?? 0);
    return isLoading;
  };

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
    });
    if (options.handle && (await options.handle(req, res, body))) return;
    const kind = options.kind;
    const isLoading = loading();

    // llama.cpp answers every route with 503 "Loading model" before even checking the key.
    if (kind === 'llamacpp' && isLoading) {
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

    if (path === '/health' || path === '/v1/health') {
      if (kind === 'ollama' || kind === 'lmstudio' || kind === 'localai' || kind === 'openai')
        return json(res, 404, { error: 'Not Found' }, extra);
      if (kind === 'litellm')
        return json(res, 401, { error: { message: 'Authentication Error, No api key passed in.' } }, extra);
      if (isLoading) {
        res.writeHead(503, extra);
        return res.end(
          kind === 'tgi' ? JSON.stringify({ error: 'unhealthy', error_type: 'healthcheck' }) : '',
        );
      }
      if (kind === 'llamacpp') return json(res, 200, { status: 'ok' }, extra);
      res.writeHead(200, extra);
      return res.end();
    }
    if (path === '/health/readiness' && kind === 'litellm') {
      return json(
        res,
        200,
        {
          status: 'healthy',
          db: 'Not connected',
          cache: null,
          litellm_version: '1.79.0',
          success_callbacks: [],
        },
        extra,
      );
    }
    if (path === '/readyz' && kind === 'localai') {
      if (isLoading) return json(res, 503, { status: 'starting', reason: 'startup preload in progress' });
      res.writeHead(200);
      return res.end();
    }
    if (path === '/' && kind === 'ollama') {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      return res.end('Ollama is running');
    }
    if (path === '/api/version' && kind === 'ollama') return json(res, 200, { version: '0.12.3' });
    if (path === '/version' && kind === 'vllm') return json(res, 200, { version: '0.11.2' }, extra);
    if (path === '/version' && kind === 'localai') return json(res, 200, { version: 'v4.1.0' });
    if (path === '/info' && kind === 'tgi')
      return json(res, 200, { model_id: models[0], router: 'text-generation-router', version: '3.3.6' });
    if (path === '/get_server_info' && kind === 'sglang') return json(res, 200, { version: '0.5.4' }, extra);
    if (path === '/v1/models' || path === '/models') {
      if (kind === 'sglang' && isLoading) return json(res, 200, modelList(kind, models), extra); // warmup: list is up, /health is not
      if (isLoading && kind !== 'sglang')
        return json(res, 503, { error: { message: 'Loading', code: 503 } }, extra);
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
      const checksModel = ['vllm', 'litellm', 'ollama', 'localai'].includes(kind);
      if (checksModel && !models.includes(request.model ?? '')) {
        return json(res, 404, {
          error: {
            message: `The model \`${request.model}\` does not exist.`,
            type: 'NotFoundError',
            code: 404,
          },
        });
      }
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
    server.listen(options.port ?? 0, host, () => resolve());
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
    requests,
    get readyAt() {
      loading();
      return state.readyAt;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
