import { Agent, ProxyAgent, request, type Dispatcher } from 'undici';
import { lookup as dnsLookup } from 'node:dns';
import type { LookupAddress } from 'node:dns';
import { MAX_REDIRECTS } from './limits.js';
import type { ProbeResult } from './types.js';

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

export interface ProxyChoice {
  url: string;
  /** Which variable it came from, for the evidence ("HTTP_PROXY"). */
  variable: string;
}

/**
 * Which proxy, if any, the environment routes `target` through. Loopback never goes through a proxy:
 * the server is on this machine. Mirrors the usual client rules: lower case wins, NO_PROXY lists
 * hosts, domains (.example.com or example.com), host:port, or *.
 */
export function proxyFor(
  target: URL,
  env: Record<string, string | undefined>,
  loopback: boolean,
): ProxyChoice | undefined {
  if (loopback) return undefined;
  const pick = (...names: string[]): ProxyChoice | undefined => {
    for (const name of names) {
      const value = env[name];
      if (value && value.trim() !== '') return { url: value.trim(), variable: name };
    }
    return undefined;
  };
  const choice =
    target.protocol === 'https:'
      ? pick('https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY')
      : pick('http_proxy', 'HTTP_PROXY', 'all_proxy', 'ALL_PROXY');
  if (!choice) return undefined;
  const noProxy = env.no_proxy ?? env.NO_PROXY ?? '';
  if (noProxyMatches(target, noProxy)) return undefined;
  return choice;
}

export function noProxyMatches(target: URL, noProxy: string): boolean {
  const host = target.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = target.port || (target.protocol === 'https:' ? '443' : '80');
  for (const raw of noProxy.split(/[,\s]+/)) {
    const entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return true;
    const m = /^(.*?)(?::(\d+))?$/.exec(entry.replace(/^\[(.*)\]/, '$1'));
    const entryHost = (m?.[1] ?? entry).replace(/^\*?\./, '.');
    const entryPort = m?.[2];
    if (entryPort && entryPort !== port) continue;
    if (entryHost.startsWith('.')) {
      if (host.endsWith(entryHost) || host === entryHost.slice(1)) return true;
    } else if (host === entryHost || host.endsWith('.' + entryHost)) {
      return true;
    }
  }
  return false;
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
  const agentOptions = {
    connect: {
      lookup: lookupWithLocalhostBothFamilies as never,
      autoSelectFamily: true,
      autoSelectFamilyAttemptTimeout: 250,
    },
    // One request at a time per origin is all we need, and it keeps a hostile server from holding many sockets.
    connections: 4,
    allowH2: false,
    keepAliveTimeout: 2_000,
  };
  const direct = new Agent(agentOptions);
  const proxies = new Map<string, Dispatcher>();

  const dispatcherFor = (target: URL): { dispatcher: Dispatcher; proxy?: ProxyChoice } => {
    const proxy = proxyFor(target, env, isLoopback(target.hostname));
    if (!proxy) return { dispatcher: direct };
    let dispatcher = proxies.get(proxy.url);
    if (!dispatcher) {
      dispatcher = new ProxyAgent({ uri: proxy.url, ...agentOptions });
      proxies.set(proxy.url, dispatcher);
    }
    return { dispatcher, proxy };
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
        const { dispatcher, proxy } = dispatcherFor(url);
        viaProxy = proxy ? `${proxy.url} (from ${proxy.variable})` : undefined;
        const response = await request(url, {
          method: req.method,
          headers: {
            'user-agent': 'llm-preflight',
            accept: 'application/json, text/event-stream, */*',
            ...req.headers,
          },
          body: req.body,
          dispatcher,
          signal,
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
        } as Parameters<typeof request>[1]);
        const location = response.headers.location;
        if (response.statusCode >= 300 && response.statusCode < 400 && typeof location === 'string') {
          const next = new URL(location, url);
          // Follow only same-origin redirects: the request may carry the api key.
          if (next.origin === url.origin && redirects < MAX_REDIRECTS) {
            response.body.destroy();
            url = next;
            continue;
          }
        }
        const { text, truncated, firstChunkMs } = await readCapped(
          response.body,
          req.maxBodyBytes,
          started,
          req.onChunk,
        );
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
      const { code, message } = classifyError(error, timeout.aborted, req.signal?.aborted === true);
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
  body: AsyncIterable<Buffer> & { destroy(): void },
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
    if (chunk.length >= room) {
      chunks.push(chunk.subarray(0, Math.max(0, room)));
      size += Math.max(0, room);
      truncated = true;
      // Stop reading: a 200 MB (or endless) body must never be buffered.
      body.destroy();
      break;
    }
    chunks.push(chunk);
    size += chunk.length;
  }
  const out: { text: string; truncated: boolean; firstChunkMs?: number } = {
    text: Buffer.concat(chunks).toString('utf8'),
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
): { code: string; message: string } {
  const codes: string[] = [];
  const messages: string[] = [];
  const visit = (e: unknown, depth: number) => {
    if (!e || typeof e !== 'object' || depth > 4) return;
    const err = e as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
    if (typeof err.code === 'string') codes.push(err.code);
    if (typeof err.message === 'string' && err.message) messages.push(err.message);
    if (Array.isArray(err.errors)) for (const inner of err.errors) visit(inner, depth + 1);
    visit(err.cause, depth + 1);
  };
  visit(error, 0);
  const message = messages.find((m) => m.trim() !== '') ?? String(error);
  const has = (pattern: RegExp) => codes.some((c) => pattern.test(c));
  if (aborted && !timedOut) return { code: 'ABORTED', message: 'request abandoned' };
  if (has(/^ECONNREFUSED$/)) return { code: 'ECONNREFUSED', message };
  if (has(/^ENOTFOUND$/)) return { code: 'ENOTFOUND', message };
  if (has(/^EAI_AGAIN$/)) return { code: 'EAI_AGAIN', message };
  if (has(TLS_CODES) || /certificate|SSL|TLS/i.test(message)) return { code: 'TLS', message };
  if (has(/^UND_ERR_PRX_CONN$/) || /Proxy response/i.test(message)) return { code: 'PROXY', message };
  if (has(/^(UND_ERR_CONNECT_TIMEOUT)$/)) return { code: 'CONNECT_TIMEOUT', message };
  if (
    timedOut ||
    has(/^(UND_ERR_HEADERS_TIMEOUT|UND_ERR_BODY_TIMEOUT|ETIMEDOUT)$/) ||
    /aborted due to timeout/i.test(message)
  )
    return { code: 'TIMEOUT', message: 'no complete response in time' };
  if (has(/^(ECONNRESET|EPIPE|UND_ERR_SOCKET)$/)) return { code: 'ECONNRESET', message };
  if (has(/^(EHOSTUNREACH|ENETUNREACH|EADDRNOTAVAIL)$/)) return { code: 'EHOSTUNREACH', message };
  if (has(/^(HPE_|UND_ERR_HEADERS_OVERFLOW|UND_ERR_RES_CONTENT_LENGTH_MISMATCH)/))
    return { code: 'BAD_HTTP', message };
  return { code: codes[0] ?? 'ERROR', message };
}
