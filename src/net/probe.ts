import type { Dispatcher } from 'undici';
import { setFlagsFromString } from 'node:v8';
import { MAX_REDIRECTS, OVERSIZED_BODY_QUOTE_BYTES } from '../limits.js';
import type { ProbeResult } from '../types.js';
import { createTrackedConnector, type TrackedConnector } from './connector.js';
import { createDispatchers, type Dispatchers } from './dispatchers.js';
import { classifyError } from './errors.js';
import { proxyFor, type ProxyChoice } from './proxy-env.js';
import { dispatchRequest } from './undici.js';

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
  /**
   * Called with each body chunk; true when the body is whole although the connection stays open (an event
   * stream's last event): reading stops there instead of waiting for an end the server never sends.
   */
  endOfBody?: (text: string) => boolean;
}

/** Any 2xx is an answer (RFC 9110 §15.3): a gateway's 203 carries the same model list as a 200. */
export function isSuccessStatus(status: number): boolean {
  return status >= 200 && status < 300;
}

export interface Prober {
  probe(req: ProbeRequest): Promise<ProbeResult>;
  close(): Promise<void>;
}

/** Where a request is now: redirects move it, and a failure is told apart by where it happened. */
interface Hop {
  url: URL;
  /** `proxy URL (from VARIABLE)`, for the evidence, when this hop goes through a proxy. */
  viaProxy?: string;
}

/** One request's time: our own timeout, and the signal that also carries the caller's abandon. */
interface RequestTime {
  timeoutMs: number;
  timeout: AbortSignal;
  signal: AbortSignal;
}

function requestTime(req: ProbeRequest): RequestTime {
  // At least 1 ms: undici reads a headers or body timeout of 0 as "no timeout at all".
  const timeoutMs = Math.max(1, Math.round(req.timeoutMs));
  const timeout = AbortSignal.timeout(timeoutMs);
  return { timeoutMs, timeout, signal: req.signal ? AbortSignal.any([timeout, req.signal]) : timeout };
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
  const connector = createTrackedConnector();
  const dispatchers = createDispatchers(connector.connect);
  const route = (url: URL) => proxyFor(url, env, isLoopback(url.hostname));

  const probe = async (req: ProbeRequest): Promise<ProbeResult> => {
    const startedMs = performance.now();
    const time = requestTime(req);
    const hop: Hop = { url: new URL(req.url) };
    try {
      const response = await requestFollowingRedirects(req, time, hop, route, dispatchers);
      const body = await readResponseBody(response, req, startedMs);
      return httpResult(response, body, hop, startedMs);
    } catch (error) {
      return errorResult(error, req, time, hop, connector, startedMs);
    }
  };

  return { probe, close: () => dispatchers.close() };
}

/**
 * Sends the request, following only same-origin redirects: the request may carry the api key. Anything else
 * (another host, http → https, a loop) comes back as the 3xx itself, for diagnosis to name. Network trouble
 * is thrown, as undici throws it; `hop` says where it happened.
 */
async function requestFollowingRedirects(
  req: ProbeRequest,
  time: RequestTime,
  hop: Hop,
  route: (url: URL) => ProxyChoice | undefined,
  dispatchers: Dispatchers,
): Promise<Dispatcher.ResponseData> {
  for (let redirects = 0; ; redirects++) {
    const proxy = route(hop.url);
    hop.viaProxy = proxy ? `${proxy.url} (from ${proxy.variable})` : undefined;
    const choice = dispatchers.choose(proxy);
    // An unusable proxy URL fails this request like a proxy undici could not reach: one path classifies both.
    if ('unusableProxy' in choice) throw choice.unusableProxy;
    const response = await dispatchRequest.call(choice.dispatcher, {
      origin: hop.url.origin,
      path: `${hop.url.pathname}${hop.url.search}`,
      method: req.method,
      headers: {
        'user-agent': 'llm-preflight',
        accept: 'application/json, text/event-stream, */*',
        ...req.headers,
      },
      body: req.body,
      signal: time.signal,
      headersTimeout: time.timeoutMs,
      bodyTimeout: time.timeoutMs,
    });
    const next = sameOriginRedirect(response, hop.url);
    if (!next || redirects >= MAX_REDIRECTS) return response;
    // destroy() without a listener would throw an uncaught AbortError and end the process.
    response.body.on('error', () => {});
    response.body.destroy();
    hop.url = next;
  }
}

function sameOriginRedirect(response: Dispatcher.ResponseData, from: URL): URL | undefined {
  const location = response.headers.location;
  if (response.statusCode < 300 || response.statusCode >= 400 || typeof location !== 'string')
    return undefined;
  const next = URL.canParse(location, from.href) ? new URL(location, from) : undefined;
  return next && next.origin === from.origin ? next : undefined;
}

interface ReadBody {
  text: string;
  truncated: boolean;
  firstChunkMs?: number;
}

/**
 * A declared length over the bound is settled from the headers: read only enough to quote, never the 200 MB
 * the server offers.
 */
async function readResponseBody(
  response: Dispatcher.ResponseData,
  req: ProbeRequest,
  startedMs: number,
): Promise<ReadBody> {
  const declaredBytes = Number(response.headers['content-length']);
  const oversized = Number.isFinite(declaredBytes) && declaredBytes > req.maxBodyBytes;
  const read = await readCapped(
    response.body,
    oversized ? Math.min(req.maxBodyBytes, OVERSIZED_BODY_QUOTE_BYTES) : req.maxBodyBytes,
    startedMs,
    req,
  );
  return { ...read, truncated: read.truncated || oversized };
}

async function readCapped(
  body: AsyncIterable<Buffer> & { destroy(): void; on?(event: 'error', listener: () => void): unknown },
  maxBytes: number,
  startedMs: number,
  watch: Pick<ProbeRequest, 'onChunk' | 'endOfBody'>,
): Promise<ReadBody> {
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  let firstChunkMs: number | undefined;
  const stopReading = () => {
    // destroy() without a listener would throw an uncaught AbortError and end the process.
    body.on?.('error', () => {});
    body.destroy();
  };
  for await (const chunk of body) {
    firstChunkMs ??= Math.round(performance.now() - startedMs);
    const chunkText = watch.onChunk || watch.endOfBody ? chunk.toString('utf8') : '';
    watch.onChunk?.(chunkText);
    const room = maxBytes - size;
    // A body of exactly maxBytes is complete; only a byte beyond the bound makes it truncated.
    if (chunk.length > room) {
      chunks.push(chunk.subarray(0, Math.max(0, room)));
      size += Math.max(0, room);
      truncated = true;
      // Stop reading: a 200 MB (or endless) body must never be buffered.
      stopReading();
      break;
    }
    chunks.push(chunk);
    size += chunk.length;
    if (watch.endOfBody?.(chunkText)) {
      stopReading();
      break;
    }
  }
  // A cut body is never parsed, only quoted: keep its start, not a second 16 MiB copy of it.
  const kept = truncated
    ? Buffer.concat(chunks).subarray(0, Math.min(size, OVERSIZED_BODY_QUOTE_BYTES))
    : Buffer.concat(chunks);
  const out: ReadBody = { text: kept.toString('utf8'), truncated };
  if (firstChunkMs !== undefined) out.firstChunkMs = firstChunkMs;
  return out;
}

function elapsedMs(startedMs: number): number {
  return Math.round(performance.now() - startedMs);
}

function httpResult(
  response: Dispatcher.ResponseData,
  body: ReadBody,
  hop: Hop,
  startedMs: number,
): ProbeResult {
  const result: ProbeResult = {
    kind: 'http',
    status: response.statusCode,
    headers: flattenHeaders(response.headers),
    body: body.text,
    truncated: body.truncated,
    durationMs: elapsedMs(startedMs),
  };
  if (body.firstChunkMs !== undefined) result.firstChunkMs = body.firstChunkMs;
  if (hop.viaProxy) result.viaProxy = hop.viaProxy;
  return result;
}

function errorResult(
  error: unknown,
  req: ProbeRequest,
  time: RequestTime,
  hop: Hop,
  connector: TrackedConnector,
  startedMs: number,
): ProbeResult {
  let { code, message } = classifyError(error, time.timeout.aborted, req.signal?.aborted === true);
  // Through a proxy we never connect to the target ourselves: a connect under way says nothing about it.
  if (code === 'TIMEOUT' && !hop.viaProxy && connector.isConnecting(hop.url)) {
    code = 'CONNECT_TIMEOUT';
    message = 'the TCP connection was not established in time';
  }
  const result: ProbeResult = { kind: 'error', code, message, durationMs: elapsedMs(startedMs) };
  if (hop.viaProxy) result.viaProxy = hop.viaProxy;
  return result;
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[key.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}
