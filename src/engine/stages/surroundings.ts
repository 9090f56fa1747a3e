/**
 * When base-url on this machine still refuses at the end, look once at where the server may really be: the
 * well-known ports of the server kinds on loopback (bounded: one connect and one GET /v1/models each, all at
 * once, never another host), and the variables that move a server's port. The facts become evidence; the
 * connection-refused finding names them (diagnose/explain/elsewhere.ts).
 */
import type { ServerKind } from '../../causes.js';
import {
  NEIGHBOUR_CONNECT_TIMEOUT_MS,
  NEIGHBOUR_LIST_MAX_BYTES,
  NEIGHBOUR_MODELS_SHOWN,
  NEIGHBOUR_REQUEST_TIMEOUT_MS,
} from '../../limits.js';
import { parseModelList } from '../../models.js';
import { isThisMachine } from '../../net/hosts.js';
import { isListening } from '../../net/port-check.js';
import { portVariablesAtOdds } from '../../net/port-variables.js';
import type { Prober } from '../../net/probe.js';
import { detectServer, PROFILES } from '../../servers/index.js';
import type { Finding, Neighbour } from '../../types.js';
import type { EndpointSession } from '../endpoint-session.js';
import { lookForServices } from './service-labels.js';

/** The address scanned: loopback only, so the scan can never reach another machine. */
export const NEIGHBOUR_HOST = '127.0.0.1';

/**
 * The ports the server kinds listen on by default (their profiles), and 80, where TGI's Docker image listens
 * (its launcher's own default is 3000).
 */
export const WELL_KNOWN_PORTS: readonly number[] = [
  ...new Set([...Object.values(PROFILES).map((p) => p.defaultPort), 80]),
].sort((a, b) => a - b);

/** Sessions already looked around for: once per endpoint, however the wait ends. */
const lookedAround = new WeakSet<EndpointSession>();

/**
 * The wait is about to end with `found`: when it is a refusal (or a reset) on this machine, gather what is
 * around once and diagnose again with it. Returns the finding to report.
 */
export async function lookAround<F extends Finding | undefined>(
  session: EndpointSession,
  found: F,
  deadlineReached: boolean,
): Promise<F | Finding> {
  if (!found || lookedAround.has(session)) return found;
  const worth = worthALook(session, found);
  if (!worth && found.cause !== 'dns-failure') return found;
  lookedAround.add(session);
  const sawServices = await lookForServices(session, found);
  if (!worth) return sawServices ? (session.diagnose(deadlineReached) ?? found) : found;
  const { endpoint, config, run } = session;
  const target = { host: endpoint.host, port: endpoint.port, kind: session.kind };
  for (const variable of portVariablesAtOdds(run.env, config.start, target))
    session.record({ kind: 'port-variable', atMs: session.at(), ...variable });
  if (found.cause === 'connection-refused' && lastCode(session) === 'ECONNREFUSED') {
    const ports = (run.neighbourPorts ?? WELL_KNOWN_PORTS).filter((p) => p !== endpoint.port);
    const answering = await scanNeighbours(run.prober, ports, run.signal);
    session.record({
      kind: 'neighbours',
      atMs: session.at(),
      scannedHost: NEIGHBOUR_HOST,
      scannedPorts: [...ports],
      answering,
    });
  }
  return session.diagnose(deadlineReached) ?? found;
}

function worthALook(session: EndpointSession, found: Finding): boolean {
  const code = lastCode(session);
  const refusedOrReset =
    (found.cause === 'connection-refused' && code === 'ECONNREFUSED') ||
    (found.cause === 'no-response' && code === 'ECONNRESET');
  return refusedOrReset && isThisMachine(session.endpoint.host);
}

function lastCode(session: EndpointSession): string | undefined {
  const r = session.lastAttempt()?.result;
  return r?.kind === 'error' ? r.code : undefined;
}

/**
 * Every port at once: a connect (refused at once where nothing listens), then one GET /v1/models where one
 * was accepted, without credentials (they were meant for base-url). Bounded by the two timeouts together.
 */
export async function scanNeighbours(
  prober: Prober,
  ports: readonly number[],
  signal?: AbortSignal,
): Promise<Neighbour[]> {
  const looked = await Promise.all(ports.map((port) => askNeighbour(prober, port, signal)));
  return looked.filter((n): n is Neighbour => n !== undefined);
}

async function askNeighbour(
  prober: Prober,
  port: number,
  signal: AbortSignal | undefined,
): Promise<Neighbour | undefined> {
  if (!(await isListening(NEIGHBOUR_HOST, port, NEIGHBOUR_CONNECT_TIMEOUT_MS))) return undefined;
  const r = await prober.probe({
    method: 'GET',
    url: `http://${NEIGHBOUR_HOST}:${port}/v1/models`,
    timeoutMs: NEIGHBOUR_REQUEST_TIMEOUT_MS,
    maxBodyBytes: NEIGHBOUR_LIST_MAX_BYTES,
    ...(signal ? { signal } : {}),
  });
  if (r.kind !== 'http') return undefined;
  const json = r.truncated ? undefined : parseJson(r.body);
  const list = json === undefined ? undefined : parseModelList(json);
  const wellFormed = list?.ok === true;
  const detected = detectServer({
    status: r.status,
    headers: r.headers,
    json: wellFormed ? json : undefined,
  });
  const locked = r.status === 401 || r.status === 403;
  // Something else on a well-known port (a web app, a 404 page) is no server next door.
  if (!detected && !(r.status === 200 && wellFormed) && !locked) return undefined;
  const server: ServerKind = detected ?? 'openai';
  const models = list?.ok ? list.ids.slice(0, NEIGHBOUR_MODELS_SHOWN) : [];
  return { host: NEIGHBOUR_HOST, port, server, models, status: r.status };
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}
