import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';

/**
 * Servers that misbehave on purpose: they hang, drip, flood, reset, lie about their shape or echo secrets.
 * Each one listens on a loopback address with an ephemeral port, counts what it wrote per connection, and
 * records every request it saw (with its Authorization header) so a test can prove what never reached it.
 */
export interface HostileServer {
  url: string;
  host: string;
  port: number;
  requests: Array<{ method: string; path: string; authorization?: string }>;
  /** One entry per accepted connection: bytes written to it, and whether the client closed it first. */
  connections: Array<{ bytesWritten: number; closedByClient: boolean; finished: boolean }>;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

interface Tracked {
  server: Server | ReturnType<typeof createNetServer>;
  sockets: Set<Socket>;
  connections: HostileServer['connections'];
  requests: HostileServer['requests'];
}

async function listen(tracked: Tracked, host: string): Promise<HostileServer> {
  const { server, sockets, connections, requests } = tracked;
  server.listen(0, host);
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
    return closing;
  };
  return {
    url: `http://${host}:${port}`,
    host,
    port,
    requests,
    connections,
    close,
    [Symbol.asyncDispose]: close,
  };
}

function track(server: Tracked['server'], tracked: Omit<Tracked, 'server'>): Tracked {
  server.on('connection', (socket: Socket) => {
    tracked.sockets.add(socket);
    const entry = { bytesWritten: 0, closedByClient: false, finished: false };
    tracked.connections.push(entry);
    (socket as Socket & { hostileEntry?: typeof entry }).hostileEntry = entry;
    socket.on('close', () => {
      entry.bytesWritten = socket.bytesWritten;
      if (!entry.finished) entry.closedByClient = true;
      tracked.sockets.delete(socket);
    });
    socket.on('error', () => {});
  });
  return { server, ...tracked };
}

function entryOf(socket: Socket) {
  return (socket as Socket & { hostileEntry?: HostileServer['connections'][number] }).hostileEntry;
}

/** A raw TCP server: `onRequest` gets the socket once the request headers have arrived. */
export async function startRawServer(
  onRequest: (socket: Socket) => void,
  host = '127.0.0.1',
): Promise<HostileServer> {
  const requests: HostileServer['requests'] = [];
  const server = createNetServer((socket) => {
    let head = '';
    const onData = (chunk: Buffer) => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      const [line = '', ...headerLines] = head.split('\r\n');
      const [method = '', path = ''] = line.split(' ');
      const auth = headerLines.find((h) => /^authorization:/i.test(h));
      requests.push({
        method,
        path,
        ...(auth ? { authorization: auth.slice(auth.indexOf(':') + 1).trim() } : {}),
      });
      onRequest(socket);
    };
    socket.on('data', onData);
  });
  const tracked = track(server, { sockets: new Set(), connections: [], requests });
  return listen(tracked, host);
}

/** An HTTP server whose every request goes to `handle`. */
export async function startHttpServer(
  handle: (req: IncomingMessage, res: ServerResponse) => void,
  host = '127.0.0.1',
): Promise<HostileServer> {
  const requests: HostileServer['requests'] = [];
  const server = createServer((req, res) => {
    // Keep-alive sockets carry several responses: "finished" is about the one in flight.
    const entry = entryOf(req.socket);
    if (entry) entry.finished = false;
    const authorization = req.headers.authorization;
    requests.push({
      method: req.method ?? '',
      path: req.url ?? '',
      ...(authorization ? { authorization } : {}),
    });
    res.on('finish', () => {
      if (entry) entry.finished = true;
    });
    handle(req, res);
  });
  const tracked = track(server, { sockets: new Set(), connections: [], requests });
  return listen(tracked, host);
}

/** Accepts the connection, reads the request, never answers. */
export function silentServer(): Promise<HostileServer> {
  return startRawServer(() => {});
}

/** Sends a status line and then one header byte at a time, forever. */
export function dripHeadersServer(intervalMs = 20): Promise<HostileServer> {
  return startRawServer((socket) => {
    socket.write('HTTP/1.1 200 OK\r\nX-Drip: ');
    const timer = setInterval(() => {
      if (socket.destroyed) return clearInterval(timer);
      socket.write('a');
    }, intervalMs);
    socket.on('close', () => clearInterval(timer));
  });
}

/** Writes `chunk` to the response until `totalBytes` (or forever), honouring backpressure. */
function pump(res: ServerResponse, totalBytes: number): void {
  const chunk = Buffer.alloc(64 * 1024, 'x');
  let sent = 0;
  const write = () => {
    while (!res.destroyed && sent < totalBytes) {
      const n = Math.min(chunk.length, totalBytes - sent);
      sent += n;
      if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void res.once('drain', write);
    }
    if (!res.destroyed) res.end();
  };
  res.on('close', () => res.destroy());
  write();
}

/** `/v1/models` answers 200 with a body that never ends (chunked, no length). */
export function endlessBodyServer(): Promise<HostileServer> {
  return startHttpServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"object":"list","data":[');
    pump(res, Number.POSITIVE_INFINITY);
  });
}

/** `/v1/models` answers 200 with a declared body of `totalBytes` (200 MB by default). */
export function hugeBodyServer(totalBytes = 200 * 1024 * 1024): Promise<HostileServer> {
  return startHttpServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(totalBytes) });
    pump(res, totalBytes);
  });
}

/** Sends the headers and part of a body, then resets the connection (RST, not FIN). */
export function resetMidResponseServer(): Promise<HostileServer> {
  return startRawServer((socket) => {
    socket.write(
      'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"object":"list","da',
      () => socket.resetAndDestroy(),
    );
  });
}

/** Answers every request with the same status, headers and body. */
export function fixedServer(
  status: number,
  body: string,
  headers: Record<string, string> = { 'content-type': 'application/json' },
  host = '127.0.0.1',
): Promise<HostileServer> {
  return startHttpServer((req, res) => {
    res.writeHead(status, headers);
    res.end(body);
  }, host);
}

/** Answers with whatever `route` returns for the request. */
export function routedServer(
  route: (req: IncomingMessage) => { status: number; body?: string; headers?: Record<string, string> },
  host = '127.0.0.1',
): Promise<HostileServer> {
  return startHttpServer((req, res) => {
    const answer = route(req);
    res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
    res.end(answer.body ?? '');
  }, host);
}

/** A model list of `count` well-formed entries (100 000 is about 9 MB). */
export function bigModelList(count: number): string {
  const parts: string[] = [];
  for (let i = 0; i < count; i++)
    parts.push(`{"id":"org/model-${i}","object":"model","created":1732500000,"owned_by":"system"}`);
  return `{"object":"list","data":[${parts.join(',')}]}`;
}
