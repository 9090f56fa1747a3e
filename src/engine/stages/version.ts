import { SMALL_BODY_MAX_BYTES, VERSION_REQUEST_TIMEOUT_MS } from '../../limits.js';
import { PROFILES } from '../../servers/index.js';
import type { EndpointSession } from '../endpoint-session.js';

/** The server's version from the kind's version route, when it has one and answers with JSON. */
export async function readServerVersion(session: EndpointSession): Promise<string | undefined> {
  const route = session.kind ? PROFILES[session.kind].version : undefined;
  if (!route) return undefined;
  const res = await session.call('version', route.path, {
    maxBodyBytes: SMALL_BODY_MAX_BYTES,
    timeoutMs: Math.min(VERSION_REQUEST_TIMEOUT_MS, session.config.requestTimeoutMs),
  });
  return res.json !== undefined ? route.read(res.json) : undefined;
}
