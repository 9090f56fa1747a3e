import type { Cause, ServerKind } from '../causes.js';
import { constants as osConstants } from 'node:os';
import { formatDuration } from '../config/duration.js';
import {
  FINDING_LOG_LINES,
  FINDING_MAX_EVIDENCE,
  MAX_REDIRECTS,
  PERSISTENT_FAILURE_ATTEMPTS,
} from '../limits.js';
import { closestModel, isServed } from '../models.js';
import { joinText, ours, quote, text, Text } from '../text.js';
import { PROFILES } from '../servers/index.js';
import { describePullFailure } from '../servers/ollama-pull.js';
import type { Evidence, Finding, ProbeResult, Stage } from '../types.js';

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

const INFORMATIONAL_STAGES: ReadonlySet<Stage> = new Set<Stage>(['detect', 'version']);

function isProxyAnswer(result: ProbeResult): boolean {
  if (!result.viaProxy) return false;
  if (result.kind === 'error')
    return result.code === 'PROXY' || result.code === 'ECONNREFUSED' || result.code === 'ENOTFOUND';
  const h = result.headers;
  // A forwarding proxy adds Via to every answer it passes on, the server's own 503 "Loading model" included,
  // so Via alone does not make an answer the proxy's: its own error pages are HTML or text, a server's are JSON.
  const serverJson = /^\s*[{[]/.test(result.body);
  return (
    result.status === 407 ||
    'x-squid-error' in h ||
    /squid|proxy/i.test(h.server ?? '') ||
    (!serverJson && ('via' in h || HTML.test(result.body)) && [403, 502, 503, 504].includes(result.status))
  );
}

/**
 * A 503 that means "not yet": llama.cpp's "Loading model" (unavailable_error), LocalAI's "starting", a warmup,
 * or the empty body SGLang sends until its warmup request succeeds. A 503 that says "unhealthy" is not one:
 * TGI listens only once warmed up, so its /health 503 means a shard failed its check, and LiteLLM's
 * readiness 503 "Service Unhealthy" carries an exception. Those are server errors.
 */
function looksLoading(result: Extract<ProbeResult, { kind: 'http' }>): boolean {
  return (
    result.status === 503 &&
    (/loading|unavailable_error|starting|warm/i.test(result.body) || result.body.trim() === '')
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
  // Before the smoke rule: llama.cpp and TGI list models without a key but guard completions, so a 401 on
  // the smoke request is a missing key, not a broken model.
  if (r.status === 401 || r.status === 403) return c('unauthorized', 'now');
  if (ev.stage === 'smoke')
    return r.status >= 200 && r.status < 300 && !ev.problem ? undefined : c('smoke-failed', 'now');
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
      text`Cancelled by ${cancelled.signal} while waiting for ${ctx.root}.`,
      ours('The job was cancelled or timed out; nothing to fix in the server.'),
      [cancelled],
    );
  }

  const container = lastOf(evidence, 'container');
  const exit = lastOf(evidence, 'exit');
  const logs = evidence.filter((e): e is Extract<Evidence, { kind: 'log' }> => e.kind === 'log');
  const fatalLog = logs.find((e) => e.cause !== undefined && e.fatal === true);
  // A line that explains a failure without ending the wait by itself (the Hub rate-limited the download):
  // once the server is dead, it is the best explanation there is.
  const explainingLog = logs.find(
    (e) => e.cause !== undefined && e.fatal !== true && e.cause !== 'server-exited',
  );
  const containerDead =
    container && (container.oomKilled || CONTAINER_DEAD_STATES.includes(container.status));

  if (container?.oomKilled) {
    return finding(
      'out-of-memory',
      text`The container ${container.id} was killed for using too much memory (OOMKilled, exit code ${container.exitCode ?? '?'}).`,
      ours('Give the container more memory, or use a smaller or quantized model.'),
      [container, ...logsAround(evidence)],
    );
  }
  // A fatal line settles at once: the server cannot recover from it, and with log-file there may be no
  // process of ours whose exit we could wait for.
  if (fatalLog) {
    const where = exit
      ? text` The server exited (${describeExit(exit)}).`
      : containerDead
        ? text` The container is ${container.status}.`
        : text``;
    return finding(
      fatalLog.cause!,
      text`${fatalLog.source} says: ${fatalLog.line}${where}`,
      ours(fatalLog.hint ?? ''),
      [fatalLog, ...(exit ? [exit] : []), ...(container ? [container] : []), ...logsAround(evidence)],
    );
  }
  if (exit || containerDead) {
    const what = exit
      ? describeEnd(exit)
      : text`The container ${container!.id} is ${container!.status} (exit code ${container!.exitCode ?? '?'}${container!.restartCount ? text`, restarted ${container!.restartCount} times` : text``})`;
    const dead: Evidence[] = exit ? [exit] : [container!];
    if (explainingLog) {
      return finding(
        explainingLog.cause!,
        text`${what}; ${explainingLog.source} says: ${explainingLog.line}`,
        ours(explainingLog.hint ?? ''),
        [explainingLog, ...dead, ...logsAround(evidence)],
      );
    }
    return finding(
      'server-exited',
      text`${what}.`,
      exit
        ? exitHint(exit)
        : ours(
            'Read the container log lines below (docker logs); a service container that exits at start usually has a bad command or missing environment.',
          ),
      [...dead, ...logsAround(evidence)],
    );
  }
  if (container?.status === 'missing') {
    return finding(
      'server-exited',
      text`The container ${container.id} does not exist (docker: ${container.error ?? 'no such container'}).`,
      ours(
        'It may have exited and been removed (docker run --rm), or the id or name is wrong: for a service container pass ${{ job.services.<label>.id }}.',
      ),
      [container],
    );
  }

  const pullFailed = evidence.find(
    (e): e is Extract<Evidence, { kind: 'pull' }> => e.kind === 'pull' && e.failure !== undefined,
  );
  if (pullFailed) return explainPullFailure(pullFailed, evidence, ctx);

  // A poll cut off by the overall deadline says nothing about the server; the ones before it do. Nor do the
  // requests that only gather facts (GET / for a fingerprint, the version): a 404 there is no failure.
  const attempts = evidence.filter(
    (e): e is AttemptEvidence =>
      e.kind === 'attempt' &&
      !INFORMATIONAL_STAGES.has(e.stage) &&
      !(e.result.kind === 'error' && e.result.code === 'DEADLINE'),
  );
  const last = attempts.at(-1);
  const lastClass = last ? classifyAttempt(last) : undefined;

  const backendsFinding = judgeBackends(evidence, last, ctx);
  if (backendsFinding) return backendsFinding;

  const modelsFinding = judgeModels(evidence, ctx);
  if (modelsFinding) return modelsFinding;

  if (!lastClass) {
    if (!ctx.deadlineReached) return undefined;
    return finding(
      'no-response',
      text`No answer from ${ctx.root} within ${formatDuration(ctx.timeoutMs)}.`,
      ours('Raise timeout, or check that the server is started.'),
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
  // The evidence keeps only the first ids (it is printed); the whole list decides what is served.
  const served = ctx.served ?? models.served;
  if (served.length === 0) {
    return finding(
      'no-models',
      text`${ctx.root} is up but lists no models.`,
      ctx.kind === 'ollama'
        ? ours(
            'Pull the model before the preflight (ollama pull <model>, or pull: true), then list it in model.',
          )
        : ours(
            'Start the server with a model (and check --served-model-name), or wait for the model to be loaded.',
          ),
      [models],
    );
  }
  const missing = ctx.requiredModels.filter((m) => !isServed(m, served));
  if (missing.length === 0) return undefined;
  const shown = text`${served.slice(0, 10).join(', ')}${served.length > 10 ? text`, … (${served.length} in all)` : text``}`;
  const hints = missing.map((m) => {
    const close = closestModel(m, served);
    return close ? text`"${m}" is not served; did you mean "${close}"?` : text`"${m}" is not served.`;
  });
  const pullHint =
    ctx.kind === 'ollama' ? ours(' For Ollama, pull it first (ollama pull, or pull: true).') : text``;
  return finding(
    'model-not-found',
    text`${joinText(hints, ' ')} The server lists: ${shown}.`,
    text`Set model to an id from the list above (ids are exact, case-sensitive), or start the server with that model (vLLM/SGLang: --served-model-name).${pullHint}`,
    [models],
  );
}

function explainPullFailure(
  pull: Extract<Evidence, { kind: 'pull' }>,
  evidence: readonly Evidence[],
  ctx: DiagnoseContext,
): Finding {
  const failure = pull.failure ?? { reason: 'no-success' };
  // The server's own words, where it gave some: they tell a missing model from a full disk or a lost network.
  const said =
    failure.reason === 'server-error' ? failure.message : failure.reason === 'http' ? failure.body : '';
  const hint =
    failure.reason === 'deadline'
      ? ours(
          'Raise timeout to leave room for the download, or cache the Ollama models directory between runs (actions/cache on ~/.ollama/models, or a volume for the container) so the pull is skipped.',
        )
      : /file does not exist|manifest unknown|not found/i.test(said)
        ? ours(
            'That model name or tag does not exist in the Ollama registry: check the spelling and the tag (e.g. llama3.2:1b; see ollama.com/library).',
          )
        : /invalid model name/i.test(said)
          ? ours('That is not a valid Ollama model name: write it as name:tag, e.g. llama3.2:1b.')
          : /no space left/i.test(said)
            ? ours(
                'The disk that holds the Ollama models is full: free space or pick a smaller model (llm-preflight doctor shows free disk).',
              )
            : /max retries exceeded|dial tcp|lookup |tls|certificate|connection refused|i\/o timeout|proxyconnect/i.test(
                  said,
                )
              ? ours(
                  'Ollama could not download from its registry: check the network of the machine or container that runs Ollama (and HTTPS_PROXY for the Ollama process itself).',
                )
              : ours('Read the Ollama server log for the whole error.');
  const request = evidence.findLast((e) => e.kind === 'attempt' && e.stage === 'pull');
  return finding(
    'model-download-failed',
    text`Pulling "${pull.model}" into the Ollama server at ${ctx.root} failed: ${describePullFailure(failure, pull)}.`,
    hint,
    [pull, ...(request ? [request] : []), ...logsAround(evidence)],
  );
}

/** `deep` on a LiteLLM proxy: any backend failing the proxy's own health check, or /health hanging on one. */
function judgeBackends(
  evidence: readonly Evidence[],
  last: AttemptEvidence | undefined,
  ctx: DiagnoseContext,
): Finding | undefined {
  const backends = evidence.filter((e): e is Extract<Evidence, { kind: 'backend' }> => e.kind === 'backend');
  const unhealthy = backends.filter((b) => !b.healthy);
  if (unhealthy.length > 0) {
    const which =
      unhealthy.length === backends.length
        ? backends.length === 1
          ? ours('its only backend fails')
          : text`all ${backends.length} backends fail`
        : text`${unhealthy.length} of ${backends.length} backends fail`;
    const listed = joinText(
      unhealthy.slice(0, 3).map((b) => text`${b.model}: ${quote(b.error ?? 'unhealthy', 160)}`),
      '; ',
    );
    const more = unhealthy.length > 3 ? text`; and ${unhealthy.length - 3} more` : text``;
    return finding(
      'backend-unhealthy',
      text`${ctx.root} is up, but ${which} the proxy's health check: ${listed}${more}.`,
      ours(
        'Requests routed to these backends will fail. Check that each backend server is running and reachable from the proxy (api_base in the LiteLLM config; LiteLLM honours HTTP(S)_PROXY, so list local backends in NO_PROXY), or remove it from model_list.',
      ),
      unhealthy,
    );
  }
  if (last?.stage === 'backends' && last.result.kind === 'error' && last.result.code === 'TIMEOUT') {
    return finding(
      'backend-unhealthy',
      text`${ctx.root} is up, but its backend health check (GET /health) gave no answer in time: the proxy calls every backend for it, so one backend that hangs holds the answer.`,
      ours(
        'Check that every backend in the LiteLLM config answers, or raise timeout; deep: false skips this check.',
      ),
      [last],
    );
  }
  return undefined;
}

/**
 * The last few failures all name the same cause. Requests that succeeded in between do not break the run: a
 * forced kind's health check passes before every model list that 404s, and that 404 is no less persistent.
 */
function persistent(attempts: readonly AttemptEvidence[], cause: Cause): boolean {
  const recent = attempts
    .map((a) => classifyAttempt(a)?.cause)
    .filter((c) => c !== undefined)
    .slice(-PERSISTENT_FAILURE_ATTEMPTS);
  return recent.length >= PERSISTENT_FAILURE_ATTEMPTS && recent.every((c) => c === cause);
}

function explain(
  c: Classified,
  attempts: readonly AttemptEvidence[],
  evidence: readonly Evidence[],
  ctx: DiagnoseContext,
): Finding {
  const ev = c.evidence;
  const r = ev.result;
  const hostPort = text`${ctx.host}:${ctx.port}`;
  const profile = ctx.kind ? PROFILES[ctx.kind] : undefined;
  const took = formatDuration(ctx.timeoutMs);
  const firstHttp = attempts.find((a) => a.result.kind === 'http');
  const logs = logsAround(evidence);
  const withLogs = (items: Evidence[]) => [...items, ...logs];
  const status = r.kind === 'http' ? text`HTTP ${r.status}` : r.code;
  const excerpt = r.kind === 'http' && r.body.trim() ? text`: ${quote(r.body, 160)}` : '';
  switch (c.cause) {
    case 'connection-refused': {
      // Nothing answered at all, not even a refusal: the packets are dropped on the way.
      const unanswered = r.kind === 'error' && (r.code === 'CONNECT_TIMEOUT' || r.code === 'EHOSTUNREACH');
      if (unanswered) {
        return finding(
          'connection-refused',
          text`No connection to ${hostPort} within ${took}: ${r.code === 'EHOSTUNREACH' ? 'the host is unreachable from here' : 'every connection attempt timed out, so nothing at that address answers (not even with a refusal)'}.`,
          ours(
            'Check the host address and port in base-url, and that no firewall or security group drops traffic from the runner to it; a server on this machine would have refused at once.',
          ),
          withLogs([ev]),
        );
      }
      const answeredBefore = firstHttp && firstHttp.result.kind === 'http';
      const summary = answeredBefore
        ? text`Connection refused on ${hostPort}: the server answered at ${formatDuration(firstHttp.atMs)} (HTTP ${firstHttp.result.kind === 'http' ? firstHttp.result.status : ''}) and then stopped listening, so it probably crashed.`
        : text`Connection refused on ${hostPort} for ${took}: nothing is listening there.`;
      const hints = [
        ctx.watchingLogs
          ? ours('The server log lines below may say why.')
          : ours('Check the server log (add log-file, container or start so the preflight can read it).'),
        text`Usual causes: the server was never started or crashed at start-up; the port is wrong${
          profile && profile.kind !== 'openai'
            ? text` (${profile.label} defaults to ${profile.defaultPort})`
            : text``
        }; in a container job, use the service label as the host (http://<label>:<container port>), not localhost; from the runner, use localhost with the mapped port.`,
      ];
      if (!answeredBefore && !ctx.deadlineReached)
        hints.push(ours('Large models can take minutes: raise timeout.'));
      else if (!answeredBefore)
        hints.push(
          ours(
            'vLLM, SGLang and TGI refuse connections until the model is loaded: if that takes longer, raise timeout.',
          ),
        );
      return finding('connection-refused', summary, joinText(hints, ' '), withLogs([ev]));
    }
    case 'dns-failure':
      return finding(
        'dns-failure',
        text`The host name "${ctx.host}" does not resolve (${r.kind === 'error' ? r.code : ''}).`,
        ctx.host.includes('.')
          ? ours('Check the host name for typos.')
          : text`A service label such as "${ctx.host}" resolves only inside a container job (container: set). From a job on the runner, use http://localhost:<mapped port>.`,
        [ev],
      );
    case 'proxy-intercept': {
      // A proxy's error page is HTML: its <title> and Squid's X-Squid-Error say more than its doctype.
      const title = r.kind === 'http' ? /<title>([^<]*)<\/title>/i.exec(r.body)?.[1] : undefined;
      const squid = r.kind === 'http' ? r.headers['x-squid-error'] : undefined;
      const said =
        r.kind !== 'http'
          ? ours('')
          : text`${squid ? text` (X-Squid-Error: ${quote(squid, 60)})` : ''}${title ? text`: "${quote(title, 120)}"` : excerpt}`;
      return finding(
        'proxy-intercept',
        text`Requests to ${hostPort} go through the proxy ${r.viaProxy ?? ''}, and the proxy ${r.kind === 'http' ? text`answered ${status}${said}` : text`failed (${r.code}: ${quote(r.message, 120)})`}.`,
        text`Add the host to NO_PROXY (e.g. NO_PROXY=localhost,127.0.0.1,::1,${ctx.host}) for this step and for your tests.`,
        [ev],
      );
    }
    case 'no-response':
      return finding(
        'no-response',
        r.kind === 'error' && r.code === 'ECONNRESET'
          ? text`${hostPort} accepted the connection and then reset it (${quote(r.message, 100)}).`
          : text`${hostPort} accepted the connection but sent no complete HTTP response within request-timeout.`,
        r.kind === 'error' && r.code === 'ECONNRESET'
          ? ours(
              "Behind Docker's port mapping this means nothing listens inside the container yet, or the server bound the container's 127.0.0.1: bind it to 0.0.0.0.",
            )
          : ours(
              'The server is hung or overloaded, or this port belongs to something that is not an HTTP server; check the port, or raise request-timeout for a slow server.',
            ),
        withLogs([ev]),
      );
    case 'tls-error':
      return finding(
        'tls-error',
        text`The TLS handshake with ${hostPort} failed: ${r.kind === 'error' ? quote(r.message, 160) : text``}.`,
        ours(
          'Use http:// for a server without TLS, or give the runner the CA that signed the certificate (NODE_EXTRA_CA_CERTS).',
        ),
        [ev],
      );
    case 'still-loading':
      return finding(
        'still-loading',
        text`${ctx.root} was still loading when the deadline of ${took} passed (${ev.stage}: ${status}${excerpt}).`,
        text`Raise timeout: the model needs longer to load${ctx.watchingLogs ? ' (the log lines below show how far it got)' : ''}. For a faster start, cache the model weights between runs.`,
        withLogs([ev]),
      );
    case 'server-error':
      return finding(
        'server-error',
        text`${ctx.root} answered ${status} on ${pathOf(ev.url)}${excerpt}.`,
        ours('The server is up but failing: its log says why (an engine crash, a backend it cannot reach).'),
        withLogs([ev]),
      );
    case 'not-an-llm-server':
      return finding(
        'not-an-llm-server',
        text`Something answers on ${hostPort}, but it is not an OpenAI-compatible LLM server (${pathOf(ev.url)} gave ${status}${r.kind === 'http' && HTML.test(r.body) ? ', an HTML page' : ''}).`,
        // Auto mode falls back to the model list when a guessed kind lacks its health route, so a failing
        // health route means the `server` input named a kind this server is not.
        ev.stage === 'health' && profile
          ? text`This server has no ${pathOf(ev.url)}, which ${profile.label} answers: check that server: ${profile.kind} is the right kind, or use server: auto.`
          : ours(
              'Check the port and path in base-url: another service may hold this port, or the API lives under a prefix.',
            ),
        [ev],
      );
    case 'unauthorized': {
      // Ollama's host guard answers 403 with an empty body before anything else, so in auto mode the kind is
      // still unknown when it happens: an empty 403 from a server nobody identified gets the same hint.
      const ollamaHostGuard =
        (ctx.kind === 'ollama' || ctx.kind === undefined) &&
        r.kind === 'http' &&
        r.status === 403 &&
        r.body.trim() === '';
      return finding(
        'unauthorized',
        text`${ctx.root} refused the request with ${status}${excerpt}${ctx.apiKeyGiven ? ' although an api-key was sent' : ' and no api-key was given'}.`,
        ollamaHostGuard
          ? text`${ctx.kind === 'ollama' ? '' : 'If this is Ollama: '}Ollama bound to loopback rejects requests whose Host is not local: call it as localhost/127.0.0.1, or set OLLAMA_HOST=0.0.0.0.`
          : ctx.apiKeyGiven
            ? ours(
                'The api-key is wrong for this server: pass the key the server was started with (e.g. vLLM --api-key, LiteLLM master key) from a secret.',
              )
            : ours('This server requires a key: set api-key: ${{ secrets.LLM_API_KEY }}.'),
        [ev],
      );
    }
    case 'bad-response': {
      const redirect =
        r.kind === 'http' && r.status >= 300 && r.status < 400 ? r.headers.location : undefined;
      if (r.kind === 'http' && redirect !== undefined) {
        // The Location header is the server's text: quoted, never a link (the reporters escape it).
        const sameOrigin = originOf(redirect, ev.url) === originOf(ev.url);
        return finding(
          'bad-response',
          sameOrigin
            ? text`${pathOf(ev.url)} on ${hostPort} redirects in a loop (HTTP ${r.status} to "${quote(redirect, 160)}", more than ${MAX_REDIRECTS} times).`
            : text`${pathOf(ev.url)} on ${hostPort} redirects to another origin (HTTP ${r.status} to "${quote(redirect, 160)}"); llm-preflight does not follow it, so the api-key never leaves the host you named.`,
          sameOrigin
            ? ours("Check the server's or reverse proxy's redirect rules for this path.")
            : ours(
                'Set base-url to the address the server really answers on (e.g. https:// rather than http://).',
              ),
          [ev],
        );
      }
      return finding(
        'bad-response',
        r.kind === 'http' && r.truncated
          ? text`${pathOf(ev.url)} sent a body larger than the size bound; it was cut off.`
          : text`${pathOf(ev.url)} on ${hostPort} gave a malformed answer: ${ev.problem ?? status}${excerpt}.`,
        ours('Check that base-url points at the OpenAI-compatible API of the server (the /v1 routes).'),
        [ev],
      );
    }
    case 'smoke-failed':
      return finding(
        'smoke-failed',
        text`The 1-token test completion for ${modelOf(ev)} failed: ${ev.problem ? ev.problem + ', ' : ''}${status}${excerpt}.`,
        ours(
          'The server lists the model but cannot run it: its log says why (memory, a backend error). Disable smoke to only check the listing.',
        ),
        withLogs([ev]),
      );
    default:
      return finding(c.cause, text`${status}${excerpt}`, ours('See the evidence below.'), [ev]);
  }
}

function finding(cause: Cause, summary: Text, hint: Text, evidence: Evidence[]): Finding {
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
  return evidence.filter((e) => e.kind === 'log').slice(-FINDING_LOG_LINES);
}

/** A container in one of these states has stopped serving: `restarting` is a crash loop in progress. */
const CONTAINER_DEAD_STATES = ['exited', 'dead', 'restarting'];

function describeExit(exit: Extract<Evidence, { kind: 'exit' }>): Text {
  if (exit.signal) return text`killed by ${exit.signal}`;
  if (exit.code === null) return ours('exit status unknown');
  // A shell reports a command killed by signal N as exit code 128 + N.
  const name = exit.code > 128 ? signalName(exit.code - 128) : undefined;
  return name ? text`exit code ${exit.code}: killed by ${name}` : text`exit code ${exit.code}`;
}

function signalName(signal: number): string | undefined {
  return Object.entries(osConstants.signals).find(([, n]) => n === signal)?.[0];
}

/** The sentence for a started server's end, by what ended (evidence/start-command.ts reports it). */
function describeEnd(exit: Extract<Evidence, { kind: 'exit' }>): Text {
  switch (exit.ended) {
    case 'shell':
      return text`The server process exited before it was ready (${describeExit(exit)})`;
    case 'group':
      return ours('The processes the start command left running all ended before the server was ready');
    case 'not-started':
      return text`The start command could not run (${exit.reason ?? 'no reason given'})`;
  }
}

function exitHint(exit: Extract<Evidence, { kind: 'exit' }>): Text {
  return ours(exitAdvice(exit));
}

function exitAdvice(exit: Extract<Evidence, { kind: 'exit' }>): string {
  if (exit.signal === 'SIGKILL' || exit.code === 137)
    return "Nothing in its log explains it: a SIGKILL with no error usually comes from the kernel's out-of-memory killer (see dmesg), so try a smaller model or a runner with more memory.";
  if (exit.code === 0)
    return 'It ended without an error before serving: start must run the server itself, in the foreground (not docker run -d or a service manager). For a server started another way, use container or log-file instead.';
  if (exit.code === 127)
    return 'The shell could not find the command (exit code 127): check that the server is installed in this step and on PATH.';
  if (exit.code === 126)
    return 'The shell found the command but could not execute it (exit code 126): check its permissions.';
  return 'Read the last lines of its log below; run the start command by hand to see the full error.';
}

/** Evidence URLs are redacted text and may no longer parse; diagnosis must not throw on them. */
function pathOf(url: string): string {
  return URL.canParse(url) ? new URL(url).pathname : url;
}

function originOf(url: string, base?: string): string | undefined {
  return URL.canParse(url, base) ? new URL(url, base).origin : undefined;
}

function modelOf(ev: AttemptEvidence): Text {
  return ev.model ? text`"${ev.model}"` : ours('the model');
}
