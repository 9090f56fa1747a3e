import { formatDuration } from '../../config/duration.js';
import { baseUrlAt, unbracket } from '../../net/hosts.js';
import { PROFILES } from '../../servers/index.js';
import { joinText, ours, text, type Text } from '../../text.js';
import type { Evidence } from '../../types.js';
import type { DiagnoseContext, LogEvidence } from '../context.js';
import { quotedLine } from '../decisive-line.js';
import { whereabouts } from './elsewhere.js';
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

/** A listening socket as the timeline keeps it: `127.0.0.1:8080`, `[::1]:8080`. */
export interface SocketAddress {
  address: string;
  port: number;
}

export function parseSocketAddress(hostPort: string): SocketAddress | undefined {
  const colon = hostPort.lastIndexOf(':');
  const port = Number(hostPort.slice(colon + 1));
  if (colon <= 0 || !Number.isInteger(port)) return undefined;
  return { address: unbracket(hostPort.slice(0, colon)), port };
}

/**
 * A socket that takes the connections made to host:port. `localhost` reaches 127.0.0.1 and ::1; `::` takes
 * every address of the machine (IPv4 too, on Linux's and macOS's default dual stack), `0.0.0.0` every IPv4 one.
 */
export function socketReaches(socket: SocketAddress, host: string, port: number): boolean {
  if (socket.port !== port) return false;
  return addressReaches(socket.address, host);
}

function addressReaches(address: string, host: string): boolean {
  const bare = unbracket(host).toLowerCase();
  if (address === '::') return true;
  if (address === '0.0.0.0') return !bare.includes(':');
  if (bare === 'localhost') return address === '127.0.0.1' || address === '::1';
  return address === bare;
}

const isWildcard = (address: string) => address === '0.0.0.0' || address === '::';

/** The socket base-url most likely meant: on its port, else on the kind's default port, else the lowest. */
function likeliestSocket(sockets: SocketAddress[], ctx: DiagnoseContext): SocketAddress {
  const defaultPort = ctx.kind ? PROFILES[ctx.kind].defaultPort : undefined;
  return (
    sockets.find((s) => s.port === ctx.port) ??
    sockets.find((s) => s.port === defaultPort) ??
    [...sockets].sort((a, b) => a.port - b.port)[0]!
  );
}

/** base-url with the address and port where the server listens (base-url's host kept for a wildcard socket). */
function correctedBaseUrl(socket: SocketAddress, ctx: DiagnoseContext): string {
  return baseUrlAt(
    ctx.root,
    isWildcard(socket.address) ? { port: socket.port } : { port: socket.port, host: socket.address },
  );
}

/**
 * Refused at base-url while the server we started listens somewhere else: on another port, or only on
 * another address of this machine (127.0.0.1 when base-url names the runner's own address, or the reverse).
 */
export function listensElsewhere(
  listening: ListeningEvidence,
  refused: Evidence,
  ctx: DiagnoseContext,
  evidence: readonly Evidence[],
): FindingOf<'connection-refused'> | undefined {
  const sockets = listening.addresses
    .map(parseSocketAddress)
    .filter((s): s is SocketAddress => s !== undefined);
  if (sockets.length === 0 || sockets.some((s) => socketReaches(s, ctx.host, ctx.port))) return undefined;
  const likeliest = likeliestSocket(sockets, ctx);
  const fixed = correctedBaseUrl(likeliest, ctx);
  const where = listening.addresses.slice(0, 3).join(', ');
  // What else the timeline knows (a variable that moved the port, a server next door) says why.
  const why = whereabouts(evidence, ctx)?.said ?? [];
  const also = why.length ? text` ${joinText(why, '; ')}.` : text``;
  const summary =
    likeliest.port === ctx.port
      ? text`The server you started listens only on ${where}, base-url says ${unbracket(ctx.host)}: nothing of it listens on that address.${also}`
      : text`The server you started listens on ${where}, base-url says ${ctx.port}.${also}`;
  const hint =
    likeliest.port === ctx.port
      ? text`Set base-url to ${fixed}, or start the server on every address (--host 0.0.0.0 for vLLM, SGLang, LiteLLM and llama.cpp; OLLAMA_HOST=0.0.0.0 for Ollama).`
      : text`Set base-url to ${fixed}, or start the server on the port base-url names.`;
  return finding('connection-refused', summary, hint, [listening, refused, ...logsAround(evidence)]);
}
