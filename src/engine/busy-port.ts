import { BUSY_PORT_SURVIVAL_MS } from '../limits.js';
import { formatDuration } from '../config/duration.js';
import { ours, quote, text, type Text } from '../text.js';
import type { EndpointSession } from './endpoint-session.js';
import { socketReaches } from '../diagnose/explain/where.js';
import { lookUpOurSocketsThrottled } from './our-sockets.js';

/**
 * Who answers on a port that was already taken before `start` ran: `ours` once the server we started is
 * known to hold it, `stranger` while it is not (the older server answers).
 */
export type BusyPortOwner = 'ours' | 'stranger';

const confirmed = new WeakSet<EndpointSession>();

/** Where `start` ran a server, the source its own output goes to (evidence/sources.ts). */
const OWN_LOG = 'server log';

/**
 * The busy-port rule. An answer on a port that was busy before `start` is believed only with evidence that
 * our server answers it, named in the timeline: our process group (or a process it left running) holds the
 * listening socket there, or our server's own log says it listens there. Where neither sockets nor log can
 * tell (no /proc and no lsof), our server having run BUSY_PORT_SURVIVAL_MS without exiting is the best there is.
 */
export async function busyPortOwner(session: EndpointSession): Promise<BusyPortOwner> {
  if (!session.portBusyBeforeStart() || session.run.sources?.startedPid === undefined) return 'ours';
  if (confirmed.has(session)) return 'ours';
  const { host, port } = session.endpoint;
  const line = ownLogListeningLine(session, port);
  if (line !== undefined) {
    return confirm(
      session,
      text`The server we started says it listens on port ${port} (its log: ${quote(line, 160)}), so the answers on ${host}:${port} are its own.`,
    );
  }
  const sockets = await lookUpOurSocketsThrottled(session, false);
  if (sockets === undefined) return 'stranger';
  if (sockets.known) {
    const holding = sockets.sockets.find((s) => socketReaches(s, host, port));
    if (!holding) return 'stranger';
    return confirm(
      session,
      text`The server we started (pid ${holding.pid}) holds the listening socket on ${host}:${port} (from ${sockets.via}), so the answers there are its own.`,
    );
  }
  const ranMs = session.run.now() - session.run.startedAt;
  if (ranMs < BUSY_PORT_SURVIVAL_MS || session.exitSeen()) return 'stranger';
  return confirm(
    session,
    text`Cannot tell which process holds ${host}:${port} (${sockets.why}); the answers are believed because the server we started has run ${ours(formatDuration(ranMs))} without a bind error or an exit.`,
  );
}

function confirm(session: EndpointSession, why: Text): 'ours' {
  confirmed.add(session);
  session.record({ kind: 'note', atMs: session.at(), text: why });
  return 'ours';
}

/** A line of our server's own log that announces it listens on `port` (not one that says it could not). */
function ownLogListeningLine(session: EndpointSession, port: number): string | undefined {
  const tail = session.run.sources?.tails().find((t) => t.source === OWN_LOG);
  return tail?.lines.findLast((line) => saysListeningOn(line, port));
}

export function saysListeningOn(line: string, port: number): boolean {
  const lower = line.toLowerCase();
  if (/\b(?:error|fail\w*|unable|cannot|could not|couldn't|in use|retry\w*)\b/.test(lower)) return false;
  const announces =
    lower.includes('listen') ||
    lower.includes('running on') ||
    lower.includes('serving on') ||
    lower.includes(' on http://') ||
    lower.includes(' on https://') ||
    /\bon \d{1,3}(?:\.\d{1,3}){3}:\d/.test(lower);
  return announces && new RegExp(`:${port}(?!\\d)`).test(line);
}
