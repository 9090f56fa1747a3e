import {
  BACKEND_HEALTH_MAX_BYTES,
  BACKEND_HEALTH_PATH,
  readBackendHealth,
} from '../../servers/litellm-backends.js';
import { text } from '../../text.js';
import type { EndpointSession } from '../endpoint-session.js';

/**
 * `deep`: LiteLLM's /health calls every backend, so it is asked once, only on request, within the time left.
 * True when every backend it reports is healthy.
 */
export async function backendsHealthy(session: EndpointSession): Promise<boolean> {
  const health = await session.call('backends', BACKEND_HEALTH_PATH, {
    maxBodyBytes: BACKEND_HEALTH_MAX_BYTES,
    timeoutMs: session.timeLeftMs(),
  });
  const verdict = readBackendHealth(health.result, health.json);
  if (verdict.kind === 'malformed') health.evidence.problem = verdict.problem;
  if (verdict.kind !== 'report') return false;
  for (const b of verdict.backends)
    session.record({
      kind: 'backend',
      atMs: session.at(),
      model: b.model,
      healthy: b.healthy,
      ...(b.error !== undefined ? { error: b.error } : {}),
    });
  if (verdict.omitted > 0)
    session.record({
      kind: 'note',
      atMs: session.at(),
      text: text`${verdict.omitted} more backends not shown`,
    });
  return verdict.backends.every((b) => b.healthy);
}
