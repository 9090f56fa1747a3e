// undici's index also loads fetch, WebSocket, caches, cookies and mocks, none of which a probe uses: 768 KiB of
// a 1 MiB bundle and ~40 ms of every start (bench/, cold start). These are the four parts we use, by path;
// undici has no "exports" map, so the paths are reachable, and undici is pinned to an exact version because
// they are its file layout rather than its documented API (test/unit/undici-parts.test.ts checks them).
import { unbracket } from './hosts.js';
import { proxyFor, type ProxyChoice } from './proxy-env.js';
import Agent from 'undici/lib/dispatcher/agent.js';
import ProxyAgent from 'undici/lib/dispatcher/proxy-agent.js';
import buildConnector from 'undici/lib/core/connect.js';
import dispatchRequest from 'undici/lib/api/api-request.js';
import undiciApi from 'undici/lib/api/index.js';
import DispatcherBase from 'undici/lib/dispatcher/dispatcher.js';
import type { Dispatcher } from 'undici';

// What undici's index does on load (its line `Object.assign(Dispatcher.prototype, api)`): ProxyAgent opens
// its CONNECT tunnel through `dispatcher.connect()`, which only exists once the API methods are attached.
Object.assign(DispatcherBase.prototype, undiciApi);
import { lookup as dnsLookup } from 'node:dns';
import type { LookupAddress } from 'node:dns';
import { setFlagsFromString } from 'node:v8';
import { MAX_REDIRECTS, OVERSIZED_BODY_QUOTE_BYTES } from '../limits.js';
import type { ProbeErrorCode, ProbeResult } from '../types.js';

export interface ProbeRequest {
  method: 'GET' | 'POST' | 'HEAD';
  url: string;
  headers?: Record<string, string>;
  body?: string;
  /** Bounds connect + headers + body together. */
  timeoutMs: number;
  maxBodyBytes: number;
  /** Aborts the request at once (deadline, cancellation, server death). */
  signal?: AbortSignal;
  /** Called with each body chunk, e.g. to stream pull progress. */
  onChunk?: (text: string) => void;
}

function connectKey(hostname: string, port: string): string {
  return `${unbracket(hostname).toLowerCase()}:${port}`;
}

/**
 * `localhost` must work whether the server bound 127.0.0.1 or ::1, even where /etc/hosts maps it to one
 * family only. We hand both addresses to Node's happy-eyeballs connect (autoSelectFamily).
 */
function lookupWithLocalhostBothFamilies(
  hostname: string,
  options: { all?: boolean; family?: number | string },
  callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
): void {
  const name = hostname.toLowerCase();
  if (name === 'localhost' || name.endsWith('.localhost')) {
    const both: LookupAddress[] = [
      { address: '127.0.0.1', family: 4 },
      { address: '::1', family: 6 },
    ];
    if (options.all) callback(null, both);
    else callback(null, '127.0.0.1', 4);
    return;
  }
  // RFC 6761 §6.4: names under .invalid never resolve, and resolvers should say so without asking anyone.
  if (name === 'invalid' || name.endsWith('.invalid')) {
    const error = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), {
      code: 'ENOTFOUND',
      syscall: 'getaddrinfo',
      hostname,
    });
    process.nextTick(() => callback(error, options.all ? [] : ''));
    return;
  }
  dnsLookup(hostname, { ...options, all: options.all === true } as never, callback as never);
}

export interface Prober {
  probe(req: ProbeRequest): Promise<ProbeResult>;
  close(): Promise<void>;
}

/**
 * One prober per preflight run: it owns its connection pools (never the global dispatcher, so nothing a
 * user's environment installed changes how we connect) and closes them when the run ends.
 */
export function createProber(
  env: Record<string, string | undefined>,
  isLoopback: (host: string) => boolean,
): Prober {
  // undici parses HTTP with llhttp compiled to WebAssembly. After a handful of responses V8 recompiles llhttp's
  // 33 KB state machine with its optimising compiler on a background thread: ~0.5 s of CPU and ~23 MB, and the
  // process waits for it at exit, so a 50 ms check became a 0.5 s, 97 MB step (bench/, cold start). Our few
  // small responses parse in microseconds on the baseline code, so tier-up is put out of reach. Set here, before
  // the first request, so the action and the CLI both get it: the budget is read when the parser is instantiated.
  setFlagsFromString('--wasm-tiering-budget=2147483647');
  // Plain-TCP connects still under way, per host:port. A request that times out while its connect never
  // completed met a host that drops packets (a firewall, a wrong address): nothing ever answered, which is
  // not the hung server that "no complete response" describes.
  const connecting = new Map<string, number>();
  const connectTcp = buildConnector({
    lookup: lookupWithLocalhostBothFamilies as never,
    autoSelectFamily: true,
    autoSelectFamilyAttemptTimeout: 250,
  });
  const trackedConnect: buildConnector.connector = (options, callback) => {
    const key = connectKey(options.hostname, options.port);
    const tcpOnly = options.protocol === 'http:';
    if (tcpOnly) connecting.set(key, (connecting.get(key) ?? 0) + 1);
    connectTcp(options, (...args) => {
      if (tcpOnly) connecting.set(key, Math.max(0, (connecting.get(key) ?? 1) - 1));
      callback(...args);
    });
  };
  const agentOptions = {
    connect: trackedConnect,
    // One request at a time per origin is all we need, and it keeps a hostile server from holding many sockets.
    connections: 4,
    allowH2: false,
    keepAliveTimeout: 2_000,
  };
  const direct = new Agent(agentOptions);
  const proxies = new Map<string, Dispatcher>();

  const dispatcherFor = (proxy: ProxyChoice | undefined): Dispatcher => {
    if (!proxy) return direct;
    let dispatcher = proxies.get(proxy.url);
    if (!dispatcher) {
      try {
        dispatcher = new ProxyAgent({ uri: proxy.url, ...agentOptions });
      } catch (error) {
        // A proxy variable undici cannot use (socks4://, a typo) fails every request to this host: that is a
        // proxy problem, and diagnosis must see it as one.
        const reason = error instanceof Error ? error.message : String(error);
        throw Object.assign(new Error(`${proxy.variable} is not a usable proxy URL: ${reason}`), {
          code: 'UND_ERR_PRX_CONN',
        });
      }
      proxies.set(proxy.url, dispatcher);
    }
    return dispatcher;
  };

  const probe = async (req: ProbeRequest): Promise<ProbeResult> => {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const timeoutMs = Math.max(1, Math.round(req.timeoutMs));
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = req.signal ? AbortSignal.any([timeout, req.signal]) : timeout;
    let url = new URL(req.url);
    let viaProxy: string | undefined;
    try {
      for (let redirects = 0; ; redirects++) {
        const proxy = proxyFor(url, env, isLoopback(url.hostname));
        viaProxy = proxy ? `${proxy.url} (from ${proxy.variable})` : undefined;
        const dispatcher = dispatcherFor(proxy);
        const response = await dispatchRequest.call(dispatcher, {
          origin: url.origin,
          path: `${url.pathname}${url.search}`,
          method: req.method,
          headers: {
            'user-agent': 'llm-preflight',
            accept: 'application/json, text/event-stream, */*',
            ...req.headers,
          },
          body: req.body,
          signal,
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
        });
        const location = response.headers.location;
        if (response.statusCode >= 300 && response.statusCode < 400 && typeof location === 'string') {
          const next = URL.canParse(location, url.href) ? new URL(location, url) : undefined;
          // Follow only same-origin redirects: the request may carry the api key. Anything else (another
          // host, http → https, a loop) comes back as the 3xx itself, for diagnosis to name.
          if (next && next.origin === url.origin && redirects < MAX_REDIRECTS) {
            // destroy() without a listener would throw an uncaught AbortError and end the process.
            response.body.on('error', () => {});
            response.body.destroy();
            url = next;
            continue;
          }
        }
        // A declared length over the bound is settled from the headers: read only enough to quote, never
        // the 200 MB the server offers.
        const declaredBytes = Number(response.headers['content-length']);
        const oversized = Number.isFinite(declaredBytes) && declaredBytes > req.maxBodyBytes;
        const read = await readCapped(
          response.body,
          oversized ? Math.min(req.maxBodyBytes, OVERSIZED_BODY_QUOTE_BYTES) : req.maxBodyBytes,
          started,
          req.onChunk,
        );
        const { text, firstChunkMs } = read;
        const truncated = read.truncated || oversized;
        const result: ProbeResult = {
          kind: 'http',
          status: response.statusCode,
          headers: flattenHeaders(response.headers),
          body: text,
          truncated,
          durationMs: elapsed(),
        };
        if (firstChunkMs !== undefined) result.firstChunkMs = firstChunkMs;
        if (viaProxy) result.viaProxy = viaProxy;
        return result;
      }
    } catch (error) {
      let { code, message } = classifyError(error, timeout.aborted, req.signal?.aborted === true);
      if (
        code === 'TIMEOUT' &&
        !viaProxy &&
        (connecting.get(connectKey(url.hostname, url.port || '80')) ?? 0) > 0
      ) {
        code = 'CONNECT_TIMEOUT';
        message = 'the TCP connection was not established in time';
      }
      const result: ProbeResult = { kind: 'error', code, message, durationMs: elapsed() };
      if (viaProxy) result.viaProxy = viaProxy;
      return result;
    }
  };

  return {
    probe,
    async close() {
      await Promise.allSettled([direct.destroy(), ...[...proxies.values()].map((d) => d.destroy())]);
    },
  };
}

async function readCapped(
  body: AsyncIterable<Buffer> & { destroy(): void; on?(event: 'error', listener: () => void): unknown },
  maxBytes: number,
  started: number,
  onChunk?: (text: string) => void,
): Promise<{ text: string; truncated: boolean; firstChunkMs?: number }> {
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  let firstChunkMs: number | undefined;
  for await (const chunk of body) {
    firstChunkMs ??= Math.round(performance.now() - started);
    onChunk?.(chunk.toString('utf8'));
    const room = maxBytes - size;
    // A body of exactly maxBytes is complete; only a byte beyond the bound makes it truncated.
    if (chunk.length > room) {
      chunks.push(chunk.subarray(0, Math.max(0, room)));
      size += Math.max(0, room);
      truncated = true;
      // Stop reading: a 200 MB (or endless) body must never be buffered.
      body.on?.('error', () => {});
      body.destroy();
      break;
    }
    chunks.push(chunk);
    size += chunk.length;
  }
  // A cut body is never parsed, only quoted: keep its start, not a second 16 MiB copy of it.
  const kept = truncated
    ? Buffer.concat(chunks).subarray(0, Math.min(size, OVERSIZED_BODY_QUOTE_BYTES))
    : Buffer.concat(chunks);
  const out: { text: string; truncated: boolean; firstChunkMs?: number } = {
    text: kept.toString('utf8'),
    truncated,
  };
  if (firstChunkMs !== undefined) out.firstChunkMs = firstChunkMs;
  return out;
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[key.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

const TLS_CODES =
  /^(ERR_TLS_|ERR_SSL_|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_|EPROTO|HOSTNAME_MISMATCH|UND_ERR_PRX_TLS)/;

/** Normalises the zoo of Node/undici errors into a few codes that diagnosis understands. */
export function classifyError(
  error: unknown,
  timedOut: boolean,
  aborted: boolean,
): { code: ProbeErrorCode; message: string } {
  const found: Array<{ code?: string; message?: string }> = [];
  const visit = (e: unknown, depth: number) => {
    if (!e || typeof e !== 'object' || depth > 4) return;
    const err = e as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
    const entry: { code?: string; message?: string } = {};
    if (typeof err.code === 'string') entry.code = err.code;
    if (typeof err.message === 'string' && err.message.trim() !== '') entry.message = err.message;
    found.push(entry);
    if (Array.isArray(err.errors)) for (const inner of err.errors) visit(inner, depth + 1);
    visit(err.cause, depth + 1);
  };
  visit(error, 0);
  const codes = found.flatMap((f) => (f.code ? [f.code] : []));
  const message = found.find((f) => f.message)?.message ?? String(error);
  const has = (pattern: RegExp) => codes.some((c) => pattern.test(c));
  // The words of the error that carries the code, not of its wrapper ("fetch failed" says nothing).
  const said = (pattern: RegExp) =>
    found.find((f) => f.code && pattern.test(f.code) && f.message)?.message ?? message;
  if (aborted && !timedOut) return { code: 'ABORTED', message: 'request abandoned' };
  if (has(/^ECONNREFUSED$/)) return { code: 'ECONNREFUSED', message: said(/^ECONNREFUSED$/) };
  if (has(/^ENOTFOUND$/)) return { code: 'ENOTFOUND', message: said(/^ENOTFOUND$/) };
  if (has(/^EAI_AGAIN$/)) return { code: 'EAI_AGAIN', message: said(/^EAI_AGAIN$/) };
  if (has(TLS_CODES)) return { code: 'TLS', message: said(TLS_CODES) };
  if (/certificate|SSL|TLS/i.test(message)) return { code: 'TLS', message };
  if (has(/^UND_ERR_PRX_CONN$/)) return { code: 'PROXY', message: said(/^UND_ERR_PRX_CONN$/) };
  if (/Proxy response/i.test(message)) return { code: 'PROXY', message };
  if (has(/^(UND_ERR_CONNECT_TIMEOUT)$/)) return { code: 'CONNECT_TIMEOUT', message };
  if (
    timedOut ||
    has(/^(UND_ERR_HEADERS_TIMEOUT|UND_ERR_BODY_TIMEOUT|ETIMEDOUT)$/) ||
    /aborted due to timeout/i.test(message)
  )
    return { code: 'TIMEOUT', message: 'no complete response in time' };
  if (has(/^(ECONNRESET|EPIPE|UND_ERR_SOCKET)$/))
    return { code: 'ECONNRESET', message: said(/^(ECONNRESET|EPIPE|UND_ERR_SOCKET)$/) };
  if (has(/^(EHOSTUNREACH|ENETUNREACH|EADDRNOTAVAIL)$/))
    return { code: 'EHOSTUNREACH', message: said(/^(EHOSTUNREACH|ENETUNREACH|EADDRNOTAVAIL)$/) };
  if (has(/^(HPE_|UND_ERR_HEADERS_OVERFLOW|UND_ERR_RES_CONTENT_LENGTH_MISMATCH)/))
    return { code: 'BAD_HTTP', message };
  // An unknown code keeps its name in the message, so the report still shows what Node said.
  return {
    code: 'ERROR',
    message: codes[0] && !message.includes(codes[0]) ? `${codes[0]}: ${message}` : message,
  };
}
