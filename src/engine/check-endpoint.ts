import type { Config } from '../config/schema.js';
import type { EndpointSpec } from '../config/endpoints.js';
import { ours, text } from '../text.js';
import type { EndpointResult, Finding, SmokeResult } from '../types.js';
import { EndpointSession } from './endpoint-session.js';
import type { RunContext } from './run-context.js';
import { backendsHealthy } from './stages/backends.js';
import { smokeTestModels } from './stages/smoke.js';
import { readServerVersion } from './stages/version.js';
import { waitUntilReady } from './wait-loop.js';

type Verdict = { ready: true } | { ready: false; finding: Finding | undefined };

/** One endpoint: wait until ready, then the stages asked for (deep, smoke), then its version. */
export async function checkEndpoint(
  endpoint: EndpointSpec,
  config: Config,
  run: RunContext,
): Promise<EndpointResult> {
  const session = new EndpointSession(endpoint, config, run);
  const waited = await waitUntilReady(session);
  let verdict: Verdict =
    waited.kind === 'ready' ? { ready: true } : { ready: false, finding: waited.finding };
  if (verdict.ready && config.deep && session.kind === 'litellm' && !(await backendsHealthy(session))) {
    verdict = { ready: false, finding: session.diagnose(true) };
  }
  const smoke: SmokeResult[] = verdict.ready && config.smoke ? await smokeTestModels(session) : [];
  if (smoke.some((s) => !s.ok)) verdict = { ready: false, finding: session.diagnose(false) };
  const serverVersion = verdict.ready ? await readServerVersion(session) : undefined;
  return endpointResult(session, verdict, smoke, serverVersion);
}

function endpointResult(
  session: EndpointSession,
  verdict: Verdict,
  smoke: SmokeResult[],
  serverVersion: string | undefined,
): EndpointResult {
  const result: EndpointResult = {
    baseUrl: session.endpoint.apiBase,
    ready: verdict.ready,
    server: session.kind ?? 'unknown',
    models: session.served ?? [],
    smoke,
    elapsedMs: session.at(),
    timeline: session.timeline(),
  };
  if (serverVersion) result.serverVersion = serverVersion;
  if (!verdict.ready) result.finding = verdict.finding ?? lastWordOn(session);
  return result;
}

/** Not ready without a finding yet: diagnosis at the deadline, or plainly no verdict. */
function lastWordOn(session: EndpointSession): Finding {
  return (
    session.diagnose(true) ?? {
      cause: 'no-response',
      summary: text`No verdict for ${session.endpoint.root} within the deadline.`,
      hint: ours('Raise timeout.'),
      evidence: [],
    }
  );
}
