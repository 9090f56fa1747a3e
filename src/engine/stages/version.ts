import { SMALL_BODY_MAX_BYTES, VERSION_REQUEST_TIMEOUT_MS } from '../../limits.js';
import { PROFILES } from '../../servers/index.js';
import type { EndpointSession } from '../endpoint-session.js';

const reads = new WeakMap<EndpointSession, { kind: string; version: Promise<string | undefined> }>();

/**
 * Starts reading the version once the kind is known and the server answers, without waiting for it: the
 * request runs beside the last readiness check, so none of its time comes after the server is ready. Once per
 * session: a loading server gets at most this one extra request.
 */
export function startVersionRead(session: EndpointSession): void {
  if (reads.has(session) || !session.kind || !PROFILES[session.kind].version) return;
  reads.set(session, { kind: session.kind, version: fetchVersion(session) });
}

/** The server's version from the kind's version route, when it has one and answers with JSON. */
export function readServerVersion(session: EndpointSession): Promise<string | undefined> {
  // Read for a kind the session has since given up (auto mode: no such health route): read again.
  if (reads.get(session)?.kind !== session.kind) reads.delete(session);
  startVersionRead(session);
  return reads.get(session)?.version ?? Promise.resolve(undefined);
}

async function fetchVersion(session: EndpointSession): Promise<string | undefined> {
  const route = session.kind ? PROFILES[session.kind].version : undefined;
  if (!route) return undefined;
  const res = await session.call('version', route.path, {
    maxBodyBytes: SMALL_BODY_MAX_BYTES,
    timeoutMs: Math.min(VERSION_REQUEST_TIMEOUT_MS, session.config.requestTimeoutMs),
  });
  return res.json !== undefined ? route.read(res.json) : undefined;
}
