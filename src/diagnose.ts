import type { Cause, ServerKind } from './causes.js';
import { formatDuration } from './config/duration.js';
import { FINDING_MAX_EVIDENCE, PERSISTENT_FAILURE_ATTEMPTS } from './limits.js';
import { closestModel } from './models.js';
import { PROFILES } from './servers/index.js';
import type { Evidence, Finding, ProbeResult } from './types.js';

export interface DiagnoseContext {
  host: string;
  port: number;
  root: string;
  kind: ServerKind | undefined;
  requiredModels: string[];
  /** Served ids when a model list was read. */
  served?: string[];
  apiKeyGiven: boolean;
  deadlineReached: boolean;
  timeoutMs: number;
  /** True when `start`, `container` or `log-file` feeds evidence: the hints then point at it. */
  watchingLogs: boolean;
  /** Set when the preflight ran inside a job container (service labels resolve there, localhost does not). */
  inContainerJob?: boolean;
}

type AttemptEvidence = Extract<Evidence, { kind: 'attempt' }>;

/** How soon a kind of failure may end the wait. */
type Settle = 'now' | 'persistent' | 'deadline';

interface Classified {
  cause: Cause;
  settle: Settle;
  evidence: AttemptEvidence;
}

const HTML = /^\s*(<!doctype html|<html)/i;

function isProxyAnswer(result: ProbeResult): boolean {
  if (!result.viaProxy) return false;
  if (result.kind === 'error')
    return result.code === 'PROXY' || result.code === 'ECONNREFUSED' || result.code === 'ENOTFOUND';
  const h = result.headers;
  return (
    result.status === 407 ||
    'x-squid-error' in h ||
    /squid|proxy/i.test(h.server ?? '') ||
    (('via' in h || HTML.test(result.body)) && [403, 502, 503, 504].includes(result.status))
  );
}

function looksLoading(result: Extract<ProbeResult, { kind: 'http' }>): boolean {
  return (
    result.status === 503 &&
    (/loading|unavailable_error|starting|warm/i.test(result.body) ||
      result.body.trim() === '' ||
      /unhealthy/i.test(result.body))
  );
}

/** What one request says on its own. `undefined` means it was fine. */
export function classifyAttempt(ev: AttemptEvidence): Classified | undefined {
  const r = ev.result;
  const c = (cause: Cause, settle: Settle): Classified => ({ cause, settle, evidence: ev });
  if (isProxyAnswer(r)) return c('proxy-intercept', 'persistent');
  if (r.kind === 'error') {
    switch (r.code) {
      case 'ECONNREFUSED':
        return c('connection-refused', 'deadline');
      case 'ENOTFOUND':
        return c('dns-failure', 'persistent');
      case 'EAI_AGAIN':
        return c('dns-failure', 'deadline');
      case 'TLS':
        return c('tls-error', 'now');
      case 'PROXY':
        return c('proxy-intercept', 'persistent');
      case 'BAD_HTTP':
        return c('bad-response', 'persistent');
      case 'EHOSTUNREACH':
      case 'CONNECT_TIMEOUT':
        return c('connection-refused', 'deadline');
      default:
        return c('no-response', 'deadline');
    }
  }
  if (ev.stage === 'smoke')
    return r.status >= 200 && r.status < 300 && !ev.problem ? undefined : c('smoke-failed', 'now');
  if (r.status === 401 || r.status === 403) return c('unauthorized', 'now');
  if (looksLoading(r)) return c('still-loading', 'deadline');
  if (r.status >= 500) return c('server-error', 'deadline');
  if (r.truncated) return c('bad-response', 'persistent');
  if (HTML.test(r.body)) return c('not-an-llm-server', 'persistent');
  if (r.status === 404 || r.status === 405) return c('not-an-llm-server', 'persistent');
  if (r.status === 429) return c('server-error', 'deadline');
  if (r.status < 200 || r.status >= 300) return c('bad-response', 'persistent');
  if (ev.problem) return c(HTML.test(r.body) ? 'not-an-llm-server' : 'bad-response', 'persistent');
  return undefined;
}

/**
 * Turns what we saw into one finding, or `undefined` while waiting is still worth it. A pure function of
 * the evidence: the same timeline always gives the same answer. Rules are ordered, most specific first.
 */
export function settle(evidence: readonly Evidence[], ctx: DiagnoseContext): Finding | undefined {
  const cancelled = evidence.find(
    (e): e is Extract<Evidence, { kind: 'cancelled' }> => e.kind === 'cancelled',
  );
  if (cancelled) {
    return finding(
      'cancelled',
      `Cancelled by ${cancelled.signal} while waiting for ${ctx.root}.`,
      'The job was cancelled or timed out; nothing to fix in the server.',
      [cancelled],
    );
  }

  const container = lastOf(evidence, 'container');
  const exit = lastOf(evidence, 'exit');
  const fatalLog = evidence.find(
    (e): e is Extract<Evidence, { kind: 'log' }> =>
      e.kind === 'log' && e.cause !== undefined && e.fatal === true,
  );
  const containerDead = container && (container.oomKilled || ['exited', 'dead'].includes(container.status));

  if (container?.oomKilled) {
    return finding(
      'out-of-memory',
      `The container ${container.id} was killed for using too much memory (OOMKilled, exit code ${container.exitCode ?? '?'}).`,
      'Give the container more memory, or use a smaller or quantized model.',
      [container, ...logsAround(evidence)],
    );
  }
  // A fatal line settles at once: the server cannot recover from it, and with log-file there may be no
  // process of ours whose exit we could wait for.
  if (fatalLog) {
    const where = exit
      ? ` The server exited (${describeExit(exit)}).`
      : containerDead
        ? ` The container is ${container.status}.`
        : '';
    return finding(
      fatalLog.cause!,
      `${fatalLog.source} says: ${fatalLog.line}${where}`,
      fatalLog.hint ?? '',
      [fatalLog, ...(exit ? [exit] : []), ...(container ? [container] : []), ...logsAround(evidence)],
    );
  }
  if (exit) {
    return finding(
      'server-exited',
      `The server process exited before it was ready (${describeExit(exit)}).`,
      'Read the last lines of its log below; run the start command by hand to see the full error.',
      [exit, ...logsAround(evidence)],
    );
  }
  if (containerDead) {
    return finding(
      'server-exited',
      `The container ${container.id} is ${container.status} (exit code ${container.exitCode ?? '?'}${container.restartCount ? `, restarted ${container.restartCount} times` : ''}).`,
      'Read the container log lines below (docker logs); a service container that exits at start usually has a bad command or missing environment.',
      [container, ...logsAround(evidence)],
    );
  }

  const attempts = evidence.filter((e): e is AttemptEvidence => e.kind === 'attempt');
  const last = attempts.at(-1);
  const lastClass = last ? classifyAttempt(last) : undefined;

  const modelsFinding = judgeModels(evidence, ctx);
  if (modelsFinding) return modelsFinding;

  if (!lastClass) {
    if (!ctx.deadlineReached) return undefined;
    return finding(
      'no-response',
      `No answer from ${ctx.root} within ${formatDuration(ctx.timeoutMs)}.`,
      'Raise timeout, or check that the server is started.',
      [],
    );
  }
  const due =
    lastClass.settle === 'now' ||
    ctx.deadlineReached ||
    (lastClass.settle === 'persistent' && persistent(attempts, lastClass.cause));
  if (!due) return undefined;
  return explain(lastClass, attempts, evidence, ctx);
}

function judgeModels(evidence: readonly Evidence[], ctx: DiagnoseContext): Finding | undefined {
  const models = lastOf(evidence, 'models');
  if (!models) return undefined;
  const served = models.served;
  if (served.length === 0) {
    return finding(
      'no-models',
      `${ctx.root} is up but lists no models.`,
      ctx.kind === 'ollama'
        ? 'Pull the model before the preflight (ollama pull <model>, or pull: true), then list it in model.'
        : 'Start the server with a model (and check --served-model-name), or wait for the model to be loaded.',
      [models],
    );
  }
  const missing = ctx.requiredModels.filter((m) => !served.some((id) => sameModel(m, id)));
  if (missing.length === 0) return undefined;
  const shown = served.slice(0, 10).join(', ') + (served.length > 10 ? `, … (${served.length} in all)` : '');
  const hints = missing.map((m) => {
    const close = closestModel(m, served);
    return close ? `"${m}" is not served; did you mean "${close}"?` : `"${m}" is not served.`;
  });
  const pullHint = ctx.kind === 'ollama' ? ' For Ollama, pull it first (ollama pull, or pull: true).' : '';
  return finding(
    'model-not-found',
    `${hints.join(' ')} The server lists: ${shown}.`,
    `Set model to an id from the list above (ids are exact, case-sensitive), or start the server with that model (vLLM/SGLang: --served-model-name).${pullHint}`,
    [models],
  );
}

function sameModel(required: string, served: string): boolean {
  const strip = (id: string) => (id.endsWith(':latest') ? id.slice(0, -7) : id);
  return required === served || strip(required) === strip(served);
}

function persistent(attempts: readonly AttemptEvidence[], cause: Cause): boolean {
  const recent = attempts.slice(-PERSISTENT_FAILURE_ATTEMPTS);
  return (
    recent.length >= PERSISTENT_FAILURE_ATTEMPTS && recent.every((a) => classifyAttempt(a)?.cause === cause)
  );
}

function explain(
  c: Classified,
  attempts: readonly AttemptEvidence[],
  evidence: readonly Evidence[],
  ctx: DiagnoseContext,
): Finding {
  const ev = c.evidence;
  const r = ev.result;
  const hostPort = `${ctx.host}:${ctx.port}`;
  const profile = ctx.kind ? PROFILES[ctx.kind] : undefined;
  const took = formatDuration(ctx.timeoutMs);
  const firstHttp = attempts.find((a) => a.result.kind === 'http');
  const logs = logsAround(evidence);
  const withLogs = (items: Evidence[]) => [...items, ...logs];
  const status = r.kind === 'http' ? `HTTP ${r.status}` : r.code;
  const excerpt = r.kind === 'http' && r.body.trim() ? `: ${oneLine(r.body, 160)}` : '';
  switch (c.cause) {
    case 'connection-refused': {
      const answeredBefore = firstHttp && firstHttp.result.kind === 'http';
      const summary = answeredBefore
        ? `Connection refused on ${hostPort}: the server answered at ${formatDuration(firstHttp.atMs)} (HTTP ${firstHttp.result.kind === 'http' ? firstHttp.result.status : ''}) and then stopped listening, so it probably crashed.`
        : `Connection refused on ${hostPort} for ${took}: nothing is listening there.`;
      const hints = [
        ctx.watchingLogs
          ? 'The server log lines below may say why.'
          : 'Check the server log (add log-file, container or start so the preflight can read it).',
        'Usual causes: the server was never started or crashed at start-up; the port is wrong' +
          (profile && profile.kind !== 'openai'
            ? ` (${profile.label} defaults to ${profile.defaultPort})`
            : '') +
          '; in a container job, use the service label as the host (http://<label>:<container port>), not localhost; from the runner, use localhost with the mapped port.',
      ];
      if (!answeredBefore && !ctx.deadlineReached)
        hints.push('Large models can take minutes: raise timeout.');
      else if (!answeredBefore)
        hints.push(
          'vLLM, SGLang and TGI refuse connections until the model is loaded: if that takes longer, raise timeout.',
        );
      return finding('connection-refused', summary, hints.join(' '), withLogs([ev]));
    }
    case 'dns-failure':
      return finding(
        'dns-failure',
        `The host name "${ctx.host}" does not resolve (${r.kind === 'error' ? r.code : ''}).`,
        ctx.host.includes('.')
          ? 'Check the host name for typos.'
          : `A service label such as "${ctx.host}" resolves only inside a container job (container: set). From a job on the runner, use http://localhost:<mapped port>.`,
        [ev],
      );
    case 'proxy-intercept':
      return finding(
        'proxy-intercept',
        `Requests to ${hostPort} go through the proxy ${r.viaProxy ?? ''}, and the proxy ${r.kind === 'http' ? `answered ${status}${excerpt}` : `failed (${r.code}: ${oneLine(r.message, 120)})`}.`,
        `Add the host to NO_PROXY (e.g. NO_PROXY=localhost,127.0.0.1,::1,${ctx.host}) for this step and for your tests.`,
        [ev],
      );
    case 'no-response':
      return finding(
        'no-response',
        r.kind === 'error' && r.code === 'ECONNRESET'
          ? `${hostPort} accepted the connection and then reset it (${oneLine(r.message, 100)}).`
          : `${hostPort} accepted the connection but sent no complete HTTP response within request-timeout.`,
        r.kind === 'error' && r.code === 'ECONNRESET'
          ? "Behind Docker's port mapping this means nothing listens inside the container yet, or the server bound the container's 127.0.0.1: bind it to 0.0.0.0."
          : 'The server is hung or overloaded, or this port belongs to something that is not an HTTP server; check the port, or raise request-timeout for a slow server.',
        withLogs([ev]),
      );
    case 'tls-error':
      return finding(
        'tls-error',
        `The TLS handshake with ${hostPort} failed: ${r.kind === 'error' ? oneLine(r.message, 160) : ''}.`,
        'Use http:// for a server without TLS, or give the runner the CA that signed the certificate (NODE_EXTRA_CA_CERTS).',
        [ev],
      );
    case 'still-loading':
      return finding(
        'still-loading',
        `${ctx.root} was still loading when the deadline of ${took} passed (${ev.stage}: ${status}${excerpt}).`,
        `Raise timeout: the model needs longer to load${ctx.watchingLogs ? ' (the log lines below show how far it got)' : ''}. For a faster start, cache the model weights between runs.`,
        withLogs([ev]),
      );
    case 'server-error':
      return finding(
        'server-error',
        `${ctx.root} answered ${status} on ${new URL(ev.url).pathname}${excerpt}.`,
        'The server is up but failing: its log says why (an engine crash, a backend it cannot reach).',
        withLogs([ev]),
      );
    case 'not-an-llm-server':
      return finding(
        'not-an-llm-server',
        `Something answers on ${hostPort}, but it is not an OpenAI-compatible LLM server (${new URL(ev.url).pathname} gave ${status}${r.kind === 'http' && HTML.test(r.body) ? ', an HTML page' : ''}).`,
        'Check the port and path in base-url: another service may hold this port, or the API lives under a prefix.',
        [ev],
      );
    case 'unauthorized': {
      const ollamaHostGuard =
        ctx.kind === 'ollama' && r.kind === 'http' && r.status === 403 && r.body.trim() === '';
      return finding(
        'unauthorized',
        `${ctx.root} refused the request with ${status}${excerpt}${ctx.apiKeyGiven ? ' although an api-key was sent' : ' and no api-key was given'}.`,
        ollamaHostGuard
          ? 'Ollama bound to loopback rejects requests whose Host is not local: call it as localhost/127.0.0.1, or set OLLAMA_HOST=0.0.0.0.'
          : ctx.apiKeyGiven
            ? 'The api-key is wrong for this server: pass the key the server was started with (e.g. vLLM --api-key, LiteLLM master key) from a secret.'
            : 'This server requires a key: set api-key: ${{ secrets.LLM_API_KEY }}.',
        [ev],
      );
    }
    case 'bad-response':
      return finding(
        'bad-response',
        r.kind === 'http' && r.truncated
          ? `${new URL(ev.url).pathname} sent a body larger than the size bound; it was cut off.`
          : `${new URL(ev.url).pathname} on ${hostPort} gave a malformed answer: ${ev.problem ?? status}${excerpt}.`,
        'Check that base-url points at the OpenAI-compatible API of the server (the /v1 routes).',
        [ev],
      );
    case 'smoke-failed':
      return finding(
        'smoke-failed',
        `The 1-token test completion for ${modelOf(ev)} failed: ${ev.problem ? ev.problem + ', ' : ''}${status}${excerpt}.`,
        'The server lists the model but cannot run it: its log says why (memory, a backend error). Disable smoke to only check the listing.',
        withLogs([ev]),
      );
    default:
      return finding(c.cause, `${status}${excerpt}`, 'See the evidence below.', [ev]);
  }
}

function finding(cause: Cause, summary: string, hint: string, evidence: Evidence[]): Finding {
  const unique = [...new Set(evidence)];
  return { cause, summary, hint, evidence: unique.slice(0, FINDING_MAX_EVIDENCE) };
}

function lastOf<K extends Evidence['kind']>(
  evidence: readonly Evidence[],
  kind: K,
): Extract<Evidence, { kind: K }> | undefined {
  for (let i = evidence.length - 1; i >= 0; i--) {
    const e = evidence[i]!;
    if (e.kind === kind) return e as Extract<Evidence, { kind: K }>;
  }
  return undefined;
}

function logsAround(evidence: readonly Evidence[]): Evidence[] {
  return evidence.filter((e) => e.kind === 'log').slice(-6);
}

function describeExit(exit: Extract<Evidence, { kind: 'exit' }>): string {
  if (exit.signal) return `killed by ${exit.signal}`;
  return `exit code ${exit.code ?? '?'}`;
}

export function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? flat.slice(0, max - 1) + '…' : flat;
}

function modelOf(ev: AttemptEvidence): string {
  return ev.model ? `"${ev.model}"` : 'the model';
}
