import { formatDuration } from '../../config/duration.js';
import { ours, text, type Text } from '../../text.js';
import type { Evidence } from '../../types.js';
import type { DiagnoseContext, LogEvidence } from '../context.js';
import { quotedLine } from '../decisive-line.js';
import { allOf, finding, lastOf, logsAround, type FindingOf } from '../finding.js';

/** Where the server really is, next to where base-url looks: who holds the port, where ours listens. */

type ListeningEvidence = Extract<Evidence, { kind: 'listening' }>;

/** The notes that say the port was taken before `start` (engine/preflight.ts) and how we judged it since. */
function notes(evidence: readonly Evidence[]): Evidence[] {
  return allOf(evidence, 'note');
}

function whereOursListens(listening: ListeningEvidence | undefined): Text {
  if (!listening) return text``;
  return listening.addresses.length
    ? text` (it listens on ${listening.addresses.join(', ')})`
    : ours(' (it listens on no TCP port yet)');
}

const BUSY_PORT_HINT = ours(
  'Stop the server from the earlier step (or whatever holds the port) before this one starts, or start this one on another port and point base-url at it.',
);

/**
 * The port was taken before `start`, something else answers there, and the server we started says it could
 * not bind: it will never answer on base-url, whatever it does next.
 */
export function busyPortTaken(
  bindFailure: LogEvidence,
  evidence: readonly Evidence[],
  ctx: DiagnoseContext,
): FindingOf<'port-in-use'> {
  return finding(
    'port-in-use',
    text`${ctx.host}:${ctx.port} was already taken before the start command ran, and the server you started could not bind it: ${quotedLine(bindFailure.line)}. What answers there is another process.`,
    BUSY_PORT_HINT,
    [bindFailure, ...notes(evidence), ...logsAround(evidence)],
  );
}

/** The deadline came while another process answered on the port and ours never took it. */
export function busyPortNeverTaken(
  evidence: readonly Evidence[],
  ctx: DiagnoseContext,
): FindingOf<'port-in-use'> {
  const listening = lastOf(evidence, 'listening');
  return finding(
    'port-in-use',
    text`${ctx.host}:${ctx.port} was already taken before the start command ran, and in ${ours(formatDuration(ctx.timeoutMs))} the server you started never took it over${whereOursListens(listening)}: what answers there is another process, not the server you started.`,
    BUSY_PORT_HINT,
    [...(listening ? [listening] : []), ...notes(evidence), ...logsAround(evidence)],
  );
}
