import type { Config } from '../config/schema.js';
import type { EvidenceSources } from '../evidence/sources.js';
import { isLoopbackHost } from '../net/hosts.js';
import { createProber } from '../net/probe.js';
import { proxyWarnings } from '../net/proxy-env.js';
import { text } from '../text.js';
import type { EndpointResult, Evidence, PreflightResult } from '../types.js';
import { checkEndpoint } from './check-endpoint.js';
import type { PreflightDeps } from './run-context.js';
import { Waker } from './waker.js';

export type { PreflightDeps, Progress } from './run-context.js';
export { completionText } from './stages/smoke.js';

/** Runs the whole preflight under one deadline and returns a result; never throws for server trouble. */
export async function preflight(config: Config, deps: PreflightDeps): Promise<PreflightResult> {
  const now = deps.now ?? (() => performance.now());
  const startedAt = now();
  const deadline = startedAt + config.timeoutMs;
  const waker = new Waker();
  const prober = createProber(deps.env, isLoopbackHost);
  const shared: Evidence[] = busyPortNotes(deps.busyBeforeStart ?? []);
  const unsubscribe = deps.sources && subscribeShared(deps.sources, shared, waker);
  const onAbort = () => {
    shared.push({
      kind: 'cancelled',
      atMs: Math.round(now() - startedAt),
      signal: String(deps.signal?.reason ?? 'SIGINT'),
    });
    waker.wake();
  };
  // A signal that came before we started (during parsing or start-up) sends no event: act on it now.
  if (deps.signal?.aborted) onAbort();
  else deps.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const run = { ...deps, now, startedAt, deadline, waker, prober, shared };
    const endpoints = await Promise.all(
      config.endpoints.map((endpoint) => checkEndpoint(endpoint, config, run)),
    );
    return preflightResult(config, deps, endpoints, Math.round(now() - startedAt));
  } finally {
    deps.signal?.removeEventListener('abort', onAbort);
    unsubscribe?.();
    await prober.close();
  }
}

function busyPortNotes(busyBeforeStart: string[]): Evidence[] {
  return busyBeforeStart.map((hostPort) => ({
    kind: 'note',
    atMs: 0,
    text: text`${hostPort} already accepted connections before the start command ran: another process (often a server from an earlier step) holds the port.`,
  }));
}

/** The sources' evidence goes to every endpoint; what can end a wait early also wakes the sleepers. */
function subscribeShared(sources: EvidenceSources, shared: Evidence[], waker: Waker): () => void {
  return sources.subscribe(
    (ev) => {
      shared.push(ev);
      if (
        ev.kind === 'exit' ||
        ev.kind === 'cancelled' ||
        ev.kind === 'note' ||
        (ev.kind === 'log' && ev.fatal) ||
        ev.kind === 'container'
      )
        waker.wake();
    },
    () => waker.wake(),
  );
}

function preflightResult(
  config: Config,
  deps: PreflightDeps,
  endpoints: EndpointResult[],
  elapsedMs: number,
): PreflightResult {
  const failed = endpoints.find((e) => !e.ready);
  const result: PreflightResult = {
    ready: !failed,
    endpoints,
    elapsedMs,
    warnings: proxyWarnings(config.endpoints, deps.env),
  };
  if (failed?.finding) result.finding = failed.finding;
  return result;
}
