import { formatDuration } from '../../config/duration.js';
import { isLoopbackHost } from '../../net/hosts.js';
import { joinText, ours, quote, text, type Text } from '../../text.js';
import type { Evidence } from '../../types.js';
import type { DiagnoseContext } from '../context.js';
import { finding, type FindingOf } from '../finding.js';
import { bindAllFlags } from './bind-flags.js';
import { mappedForLabel, whereabouts, type Whereabouts } from './elsewhere.js';
import type { Explainers, Scene } from './scene.js';

type NetworkCause = 'connection-refused' | 'dns-failure' | 'proxy-intercept' | 'no-response' | 'tls-error';

/** Nothing answered at all, not even a refusal: the packets are dropped on the way, or go nowhere. */
function connectionUnanswered(
  s: Scene,
  code: 'CONNECT_TIMEOUT' | 'EHOSTUNREACH',
): FindingOf<'connection-refused'> {
  const { ctx, hostPort, took } = s;
  const local = isLoopbackHost(ctx.host);
  return finding(
    'connection-refused',
    text`No connection to ${hostPort} within ${took}: ${
      code === 'EHOSTUNREACH'
        ? ours('the host is unreachable from here (no route to it)')
        : ours(
            'every connection attempt timed out, so the packets were dropped, not refused: nothing at that address answers, not even with a refusal',
          )
    }.`,
    local
      ? text`On this machine a refusal would come at once, so a local firewall rule (iptables or nftables DROP on TCP port ${ctx.port}) drops the connection: remove the rule, or use another port.`
      : text`Either a firewall or cloud security group drops TCP traffic from the runner to ${ctx.host} port ${ctx.port} (open that port to the runner), or ${ctx.host} is the wrong address (a stale IP, another network: check the host in base-url).`,
    s.withLogs([s.ev]),
  );
}

function connectionRefused(s: Scene): FindingOf<'connection-refused'> {
  const { r, ctx } = s;
  if (r.kind === 'error' && (r.code === 'CONNECT_TIMEOUT' || r.code === 'EHOSTUNREACH'))
    return connectionUnanswered(s, r.code);
  const firstHttp = s.attempts.find((a) => a.result.kind === 'http');
  const answeredBefore = firstHttp?.result.kind === 'http';
  if (!answeredBefore) {
    const found = whereabouts(s.evidence, ctx);
    if (found && found.said.length > 0) return refusedButElsewhere(s, found);
    if (found) return refusedHere(s, found.fixes, found.evidence);
  }
  return refusedHere(s, [], []);
}

/** base-url refuses, and the server is (or is told to be) somewhere else: say where, and the base-url to use. */
function refusedButElsewhere(s: Scene, found: Whereabouts): FindingOf<'connection-refused'> {
  const { ctx, hostPort, took } = s;
  const hints = [...found.fixes];
  if (ctx.watchingLogs) hints.push(ours('The server log lines below may say where it listens.'));
  return finding(
    'connection-refused',
    text`Connection refused on ${hostPort} for ${took}: nothing is listening there, but ${joinText(found.said, '; ')}.`,
    joinText(hints, ' '),
    s.withLogs([s.ev, ...found.evidence]),
  );
}

function refusedHere(
  s: Scene,
  extraHints: Text[],
  extraEvidence: Evidence[],
): FindingOf<'connection-refused'> {
  const { ev, ctx, hostPort, took } = s;
  const firstHttp = s.attempts.find((a) => a.result.kind === 'http');
  const answeredBefore = firstHttp?.result.kind === 'http';
  const summary =
    firstHttp?.result.kind === 'http'
      ? text`Connection refused on ${hostPort}: the server answered at ${ours(formatDuration(firstHttp.atMs))} (HTTP ${firstHttp.result.status}) and then stopped listening, so it probably crashed.`
      : text`Connection refused on ${hostPort} for ${took}: nothing is listening there.`;
  const hints = [
    ctx.watchingLogs
      ? ours('The server log lines below may say why.')
      : ours('Check the server log (add log-file, container or start so the preflight can read it).'),
    text`Usual causes: the server was never started or crashed at start-up; the port is wrong${
      s.profile && s.profile.kind !== 'openai'
        ? text` (${s.profile.label} defaults to ${s.profile.defaultPort})`
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
  hints.push(...extraHints);
  return finding('connection-refused', summary, joinText(hints, ' '), s.withLogs([ev, ...extraEvidence]));
}

function dnsFailure({ r, ev, ctx, evidence }: Scene): FindingOf<'dns-failure'> {
  const mapped = mappedForLabel(evidence, ctx);
  if (mapped) return finding('dns-failure', mapped.said, mapped.fix, [ev, mapped.ev]);
  return finding(
    'dns-failure',
    text`The host name "${ctx.host}" does not resolve (${r.kind === 'error' ? ours(r.code) : text``}).`,
    ctx.host.includes('.')
      ? ours('Check the host name for typos.')
      : text`A service label such as "${ctx.host}" resolves only inside a container job (container: set). From a job on the runner, use http://localhost:<mapped port>.`,
    [ev],
  );
}

function proxyIntercept({ r, ev, ctx, hostPort, status, excerpt }: Scene): FindingOf<'proxy-intercept'> {
  const how =
    r.kind === 'http'
      ? text`answered ${status}${proxySaid(r.body, r.headers)}`
      : text`failed (${ours(r.code)}: ${quote(r.message, 120)})`;
  return finding(
    'proxy-intercept',
    text`Requests to ${hostPort} go through the proxy ${r.viaProxy ?? ''}, and the proxy ${how}.`,
    text`Add the host to NO_PROXY (e.g. NO_PROXY=localhost,127.0.0.1,::1,${ctx.host}) for this step and for your tests.`,
    [ev],
  );

  /** A proxy's error page is HTML: its <title> and Squid's X-Squid-Error say more than its doctype. */
  function proxySaid(body: string, headers: Record<string, string>) {
    const title = /<title>([^<]*)<\/title>/i.exec(body)?.[1];
    const squid = headers['x-squid-error'];
    return text`${squid ? text` (X-Squid-Error: ${quote(squid, 60)})` : text``}${title ? text`: "${quote(title, 120)}"` : excerpt}`;
  }
}

function noResponse({ r, ev, ctx, hostPort, withLogs }: Scene): FindingOf<'no-response'> {
  const reset = r.kind === 'error' && r.code === 'ECONNRESET';
  return finding(
    'no-response',
    reset
      ? text`${hostPort} accepted the connection and then reset it (${quote(r.message, 100)}).`
      : text`${hostPort} accepted the connection but sent no complete HTTP response within request-timeout.`,
    reset
      ? text`Behind Docker's port mapping this means nothing listens inside the container yet, or the server bound the container's 127.0.0.1: bind it to 0.0.0.0 (${ours(bindAllFlags(ctx.kind))}).`
      : ours(
          'The server is hung or overloaded, or this port belongs to something that is not an HTTP server; check the port, or raise request-timeout for a slow server.',
        ),
    withLogs([ev]),
  );
}

function tlsError({ r, ev, hostPort }: Scene): FindingOf<'tls-error'> {
  return finding(
    'tls-error',
    text`The TLS handshake with ${hostPort} failed: ${r.kind === 'error' ? quote(r.message, 160) : text``}.`,
    ours(
      'Use http:// for a server without TLS, or give the runner the CA that signed the certificate (NODE_EXTRA_CA_CERTS).',
    ),
    [ev],
  );
}

export const NETWORK_EXPLAINERS: Explainers<NetworkCause> = {
  'connection-refused': connectionRefused,
  'dns-failure': dnsFailure,
  'proxy-intercept': proxyIntercept,
  'no-response': noResponse,
  'tls-error': tlsError,
};

/** No request ever got an answer worth classifying, and the time is up. */
export function noAnswerAtDeadline(ctx: DiagnoseContext): FindingOf<'no-response'> {
  return finding(
    'no-response',
    text`No answer from ${ctx.root} within ${ours(formatDuration(ctx.timeoutMs))}.`,
    ours('Raise timeout, or check that the server is started.'),
    [],
  );
}
