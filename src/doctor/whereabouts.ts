/**
 * The doctor's look at where the server is, for each base-url on this machine: whether its port accepts
 * connections, which servers answer on the other well-known ports, and the variables that move a server's
 * port. The same facts and words as the connection-refused finding (diagnose/explain/elsewhere.ts), as a
 * verdict that never fails the doctor: a server not started yet is no broken environment.
 */
import type { EndpointSpec } from '../config/endpoints.js';
import { whereabouts } from '../diagnose/explain/elsewhere.js';
import type { DiagnoseContext } from '../diagnose/context.js';
import { WELL_KNOWN_PORTS } from '../engine/stages/surroundings.js';
import { portVariablesAtOdds } from '../net/port-variables.js';
import { joinText, plainText } from '../text.js';
import type { Evidence, Neighbour } from '../types.js';
import type { DoctorCheck } from './checks.js';

export type WhereTarget = Pick<EndpointSpec, 'host' | 'port' | 'root'>;

export interface WhereFacts {
  target: WhereTarget;
  env: Record<string, string | undefined>;
  listening: boolean;
  /** Servers answering on the other well-known ports (the ports scanned are `scannedPorts`). */
  neighbours: Neighbour[];
  scannedPorts: readonly number[];
}

/** The ports the doctor scans for a base-url: the well-known ones but its own. */
export function portsAround(target: WhereTarget): number[] {
  return WELL_KNOWN_PORTS.filter((p) => p !== target.port);
}

export function checkWhereabouts(facts: WhereFacts): DoctorCheck {
  const { target, env, listening } = facts;
  const hostPort = `${target.host}:${target.port}`;
  const variables = portVariablesAtOdds(env, undefined, {
    host: target.host,
    port: target.port,
    kind: undefined,
  });
  const evidence: Evidence[] = variables.map((v) => ({ kind: 'port-variable', atMs: 0, ...v }));
  if (!listening)
    evidence.push({
      kind: 'neighbours',
      atMs: 0,
      scannedHost: '127.0.0.1',
      scannedPorts: [...facts.scannedPorts],
      answering: facts.neighbours,
    });
  const found = whereabouts(evidence, contextFor(target));
  const said = found && found.said.length > 0 ? plainText(joinText(found.said, '; ')) : undefined;
  const fix = found && found.fixes.length > 0 ? plainText(joinText(found.fixes, ' ')) : undefined;
  const opening = listening ? `${hostPort} accepts connections` : `Nothing listens on ${hostPort} now`;
  if (said) {
    return { name: 'where', verdict: 'warn', detail: `${opening}, but ${said}.`, ...(fix ? { fix } : {}) };
  }
  return {
    name: 'where',
    verdict: 'info',
    detail: listening
      ? `${opening}, and no variable in this environment moves a server elsewhere.`
      : `${opening}. ${fix ?? ''}`.trim(),
  };
}

function contextFor(target: WhereTarget): DiagnoseContext {
  return {
    host: target.host,
    port: target.port,
    root: target.root,
    kind: undefined,
    requiredModels: [],
    apiKeyGiven: false,
    deadlineReached: true,
    timeoutMs: 0,
    watchingLogs: false,
  };
}
