import { MAX_REDIRECTS } from '../../limits.js';
import { urlPath } from '../../net/hosts.js';
import { ours, quote, text } from '../../text.js';
import type { ProbeResult } from '../../types.js';
import { HTML } from '../classify.js';
import { finding, type FindingOf } from '../finding.js';
import type { Explainers, Scene } from './scene.js';

type HttpCause = 'still-loading' | 'server-error' | 'not-an-llm-server' | 'unauthorized' | 'bad-response';
type HttpResult = Extract<ProbeResult, { kind: 'http' }>;

function originOf(url: string, base?: string): string | undefined {
  return URL.canParse(url, base) ? new URL(url, base).origin : undefined;
}

function stillLoading({ ev, ctx, took, status, excerpt, withLogs }: Scene): FindingOf<'still-loading'> {
  return finding(
    'still-loading',
    text`${ctx.root} was still loading when the deadline of ${took} passed (${ours(ev.stage)}: ${status}${excerpt}).`,
    text`Raise timeout: the model needs longer to load${ctx.watchingLogs ? ours(' (the log lines below show how far it got)') : text``}. For a faster start, cache the model weights between runs.`,
    withLogs([ev]),
  );
}

function serverError({ ev, ctx, status, excerpt, withLogs }: Scene): FindingOf<'server-error'> {
  return finding(
    'server-error',
    text`${ctx.root} answered ${status} on ${urlPath(ev.url)}${excerpt}.`,
    ours('The server is up but failing: its log says why (an engine crash, a backend it cannot reach).'),
    withLogs([ev]),
  );
}

function notAnLlmServer({ r, ev, hostPort, status, profile }: Scene): FindingOf<'not-an-llm-server'> {
  const htmlPage = r.kind === 'http' && HTML.test(r.body) ? ours(', an HTML page') : text``;
  return finding(
    'not-an-llm-server',
    text`Something answers on ${hostPort}, but it is not an OpenAI-compatible LLM server (${urlPath(ev.url)} gave ${status}${htmlPage}).`,
    // Auto mode falls back to the model list when a guessed kind lacks its health route, so a failing
    // health route means the `server` input named a kind this server is not.
    ev.stage === 'health' && profile
      ? text`This server has no ${urlPath(ev.url)}, which ${profile.label} answers: check that server: ${profile.kind} is the right kind, or use server: auto.`
      : ours(
          'Check the port and path in base-url: another service may hold this port, or the API lives under a prefix.',
        ),
    [ev],
  );
}

function unauthorized({ r, ev, ctx, status, excerpt }: Scene): FindingOf<'unauthorized'> {
  // Ollama's host guard answers 403 with an empty body before anything else, so in auto mode the kind is
  // still unknown when it happens: an empty 403 from a server nobody identified gets the same hint.
  const ollamaHostGuard =
    (ctx.kind === 'ollama' || ctx.kind === undefined) &&
    r.kind === 'http' &&
    r.status === 403 &&
    r.body.trim() === '';
  const keyNote = ctx.apiKeyGiven ? ours(' although an api-key was sent') : ours(' and no api-key was given');
  return finding(
    'unauthorized',
    text`${ctx.root} refused the request with ${status}${excerpt}${keyNote}.`,
    ollamaHostGuard
      ? text`${ctx.kind === 'ollama' ? text`` : ours('If this is Ollama: ')}Ollama bound to loopback rejects requests whose Host is not local: call it as localhost/127.0.0.1, or set OLLAMA_HOST=0.0.0.0.`
      : ctx.apiKeyGiven
        ? ours(
            'The api-key is wrong for this server: pass the key the server was started with (e.g. vLLM --api-key, LiteLLM master key) from a secret.',
          )
        : ours('This server requires a key: set api-key: ${{ secrets.LLM_API_KEY }}.'),
    [ev],
  );
}

function badResponse(s: Scene): FindingOf<'bad-response'> {
  const { r, ev, hostPort, status, excerpt } = s;
  const redirect = r.kind === 'http' && r.status >= 300 && r.status < 400 ? r.headers.location : undefined;
  if (r.kind === 'http' && redirect !== undefined) return badRedirect(s, r, redirect);
  return finding(
    'bad-response',
    r.kind === 'http' && r.truncated
      ? text`${urlPath(ev.url)} sent a body larger than the size bound; it was cut off.`
      : text`${urlPath(ev.url)} on ${hostPort} gave a malformed answer: ${ev.problem ?? status}${excerpt}.`,
    ours('Check that base-url points at the OpenAI-compatible API of the server (the /v1 routes).'),
    [ev],
  );
}

function badRedirect({ ev, hostPort }: Scene, r: HttpResult, redirect: string): FindingOf<'bad-response'> {
  // The Location header is the server's text: quoted, never a link (the reporters escape it).
  const sameOrigin = originOf(redirect, ev.url) === originOf(ev.url);
  return finding(
    'bad-response',
    sameOrigin
      ? text`${urlPath(ev.url)} on ${hostPort} redirects in a loop (HTTP ${r.status} to "${quote(redirect, 160)}", more than ${MAX_REDIRECTS} times).`
      : text`${urlPath(ev.url)} on ${hostPort} redirects to another origin (HTTP ${r.status} to "${quote(redirect, 160)}"); llm-preflight does not follow it, so the api-key never leaves the host you named.`,
    sameOrigin
      ? ours("Check the server's or reverse proxy's redirect rules for this path.")
      : ours('Set base-url to the address the server really answers on (e.g. https:// rather than http://).'),
    [ev],
  );
}

export const HTTP_EXPLAINERS: Explainers<HttpCause> = {
  'still-loading': stillLoading,
  'server-error': serverError,
  'not-an-llm-server': notAnLlmServer,
  unauthorized,
  'bad-response': badResponse,
};
