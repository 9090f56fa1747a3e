import { LISTEN_LOOK_EVERY_MS } from '../limits.js';
import { listeningSocketsOf, socketAddress, type ListeningSocket } from '../process/listening-sockets.js';
import { text } from '../text.js';
import type { Evidence } from '../types.js';
import type { EndpointSession } from './endpoint-session.js';

export type ListeningEvidence = Extract<Evidence, { kind: 'listening' }>;

/** What we learnt of where the started server listens: its sockets, or why we cannot tell. */
export type OurSockets =
  { known: true; sockets: ListeningSocket[]; via: string } | { known: false; why: string };

const lastRecorded = new WeakMap<EndpointSession, string>();

/**
 * Where the processes of the start command listen now. Recorded in the timeline when it differs from the
 * last look (as `listening` evidence, or a note saying why we cannot tell), so a long wait does not repeat it.
 */
export async function lookUpOurSockets(session: EndpointSession): Promise<OurSockets | undefined> {
  const { sources } = session.run;
  if (sources?.startedPid === undefined) return undefined;
  const found = await listeningSocketsOf({
    pgid: sources.startedPid,
    ...(sources.logFile ? { logFile: sources.logFile } : {}),
  });
  if (!found.known) {
    recordOnce(session, {
      kind: 'note',
      atMs: session.at(),
      text: text`Cannot tell which ports the server we started listens on: ${found.why}.`,
    });
    return found;
  }
  const holder = found.sockets[0]?.pid ?? sources.startedPid;
  recordOnce(session, {
    kind: 'listening',
    atMs: session.at(),
    pid: holder,
    addresses: [...new Set(found.sockets.map(socketAddress))],
    via: found.via,
  });
  return { known: true, sockets: found.sockets, via: found.via };
}

function recordOnce(session: EndpointSession, ev: Evidence): void {
  const key = JSON.stringify(ev.kind === 'listening' ? [ev.pid, ev.addresses] : ev.kind);
  if (lastRecorded.get(session) === key) return;
  lastRecorded.set(session, key);
  session.record(ev);
}

const lastLookAt = new WeakMap<EndpointSession, number>();

/**
 * lookUpOurSockets at most every LISTEN_LOOK_EVERY_MS (or now, when `force`): undefined when it is not
 * time yet. While connections are refused, so diagnosis can say where the server really is; while another
 * server answers on a busy port, to see when ours takes it over.
 */
export async function lookUpOurSocketsThrottled(
  session: EndpointSession,
  force: boolean,
): Promise<OurSockets | undefined> {
  if (session.run.sources?.startedPid === undefined || session.exitSeen()) return undefined;
  const now = session.run.now();
  const last = lastLookAt.get(session);
  if (!force && last !== undefined && now - last < LISTEN_LOOK_EVERY_MS) return undefined;
  lastLookAt.set(session, now);
  return lookUpOurSockets(session);
}
