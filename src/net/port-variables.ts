/**
 * Environment variables that move where a server listens (docs/servers.md, "Variables that move the port"),
 * and the ones found set at odds with base-url: in the step's environment, which a server `start` launches
 * inherits, or written into the `start` command itself (`PORT=4000 litellm …`, `docker run -e OLLAMA_HOST=…`).
 */
import type { ServerKind } from '../causes.js';
import type { PortVariable } from '../types.js';
import { isLoopbackHost, unbracket } from './hosts.js';

type Reading = Pick<PortVariable, 'effect' | 'port' | 'host'>;

interface VariableRule {
  variable: string;
  readBy: ServerKind[];
  read(value: string): Reading | undefined;
}

const asPort = (value: string): number | undefined => {
  const n = /^\d{1,5}$/.test(value.trim()) ? Number(value.trim()) : NaN;
  return n > 0 && n < 65536 ? n : undefined;
};

const portReading =
  (effect: 'port' | 'convention') =>
  (value: string): Reading | undefined => {
    const port = asPort(value);
    return port === undefined ? undefined : { effect, port };
  };

const hostReading = (value: string): Reading | undefined =>
  value.trim() === '' ? undefined : { effect: 'host', host: unbracket(value.trim()) };

export const PORT_VARIABLE_RULES: readonly VariableRule[] = [
  // LiteLLM's CLI (--port envvar PORT, --host envvar HOST) and TGI's launcher (--port, env PORT).
  { variable: 'PORT', readBy: ['litellm', 'tgi'], read: portReading('port') },
  { variable: 'HOST', readBy: ['litellm'], read: hostReading },
  { variable: 'LITELLM_PORT', readBy: ['litellm'], read: portReading('convention') },
  { variable: 'SGLANG_PORT', readBy: ['sglang'], read: portReading('convention') },
  { variable: 'VLLM_PORT', readBy: ['vllm'], read: readVllmPort },
  {
    variable: 'VLLM_HOST_IP',
    readBy: ['vllm'],
    read: (value) => (value.trim() ? { effect: 'internal-host', host: value.trim() } : undefined),
  },
  { variable: 'OLLAMA_HOST', readBy: ['ollama'], read: readOllamaHost },
  { variable: 'LLAMA_ARG_PORT', readBy: ['llamacpp'], read: portReading('port') },
  { variable: 'LLAMA_ARG_HOST', readBy: ['llamacpp'], read: hostReading },
];

/** vLLM parses VLLM_PORT as an int and refuses a URI, which is what a Kubernetes Service named vllm injects. */
function readVllmPort(value: string): Reading | undefined {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value.trim())) return { effect: 'service-link' };
  const port = asPort(value);
  return port === undefined ? undefined : { effect: 'internal-port', port };
}

/** Ollama's own reading (envconfig.Host): an optional scheme, host and port; the port defaults to 11434. */
function readOllamaHost(value: string): Reading | undefined {
  let rest = value.trim();
  if (rest === '') return undefined;
  let defaultPort = 11434;
  const scheme = /^([a-z]+):\/\//i.exec(rest);
  if (scheme) {
    if (scheme[1]!.toLowerCase() === 'http') defaultPort = 80;
    if (scheme[1]!.toLowerCase() === 'https') defaultPort = 443;
    rest = rest.slice(scheme[0].length);
  }
  rest = rest.split('/')[0]!;
  const hostPort = /^(\[[^\]]*\]|[^:]*):(\d{1,5})$/.exec(rest);
  if (hostPort)
    return { effect: 'host-port', host: unbracket(hostPort[1]!) || '0.0.0.0', port: Number(hostPort[2]) };
  return { effect: 'host-port', host: unbracket(rest) || '127.0.0.1', port: defaultPort };
}

/** Where base-url points, and what is known of the server there. */
export interface PortTarget {
  host: string;
  port: number;
  /** The server kind, when forced or detected: rules for other servers are left out. */
  kind: ServerKind | undefined;
}

/** The variables set in `env` or in `start` that disagree with base-url, `start` before the step's. */
export function portVariablesAtOdds(
  env: Record<string, string | undefined>,
  start: string | undefined,
  target: PortTarget,
): PortVariable[] {
  const found: PortVariable[] = [];
  for (const rule of PORT_VARIABLE_RULES) {
    if (target.kind && target.kind !== 'openai' && !rule.readBy.includes(target.kind)) continue;
    const inStart = start === undefined ? undefined : assignedIn(start, rule.variable);
    const value = inStart ?? env[rule.variable];
    if (value === undefined) continue;
    const reading = rule.read(value);
    if (!reading || !atOdds(reading, target)) continue;
    found.push({
      variable: rule.variable,
      value,
      setIn: inStart !== undefined ? 'start' : 'step',
      readBy: rule.readBy,
      ...reading,
    });
  }
  return found;
}

function atOdds(reading: Reading, target: PortTarget): boolean {
  switch (reading.effect) {
    case 'service-link':
      return true;
    case 'internal-port':
      // vLLM's internal sockets start at VLLM_PORT: on base-url's port they collide with the API server.
      return reading.port === target.port;
    case 'internal-host':
      return unbracket(reading.host!).toLowerCase() === unbracket(target.host).toLowerCase();
    case 'host':
      return bindMisses(reading.host!, target.host);
    default:
      return (
        (reading.port !== undefined && reading.port !== target.port) ||
        (reading.host !== undefined && bindMisses(reading.host, target.host))
      );
  }
}

/** A server bound to `bound` cannot be reached at `target`: loopback only from elsewhere, or the reverse. */
function bindMisses(bound: string, target: string): boolean {
  const b = unbracket(bound).toLowerCase();
  if (b === '0.0.0.0' || b === '::' || b === '') return false;
  return isLoopbackHost(b) !== isLoopbackHost(target);
}

/** The value a shell assignment or a `-e`/`--env` flag gives `name` in a command line, the last one winning. */
export function assignedIn(command: string, name: string): string | undefined {
  const pattern = new RegExp(`(?:^|[\\s;&|('"=])${name}=("[^"]*"|'[^']*'|[^\\s;&|)'"]*)`, 'g');
  let value: string | undefined;
  for (const m of command.matchAll(pattern)) value = m[1]!.replace(/^(["'])(.*)\1$/, '$2');
  return value;
}
