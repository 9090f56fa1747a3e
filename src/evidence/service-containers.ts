/**
 * The running containers as a job reaches them: their network aliases (the runner gives each service container
 * its label as an alias on the job's network) and the host ports Docker maps to their ports. Two bounded docker
 * CLI calls: `docker ps -q`, then one `docker container inspect` of those ids. Undefined when the CLI is absent
 * or fails: then nothing can be said.
 */
import { SERVICE_CONTAINERS_MAX, SERVICE_INSPECT_MAX_BYTES } from '../limits.js';
import { boundedExec } from '../process/bounded-exec.js';
import type { ServiceContainer } from '../types.js';
import { DOCKER_CALL_TIMEOUT_MS } from './container.js';

export async function listServiceContainers(
  env: Record<string, string | undefined>,
): Promise<ServiceContainer[] | undefined> {
  const bounds = { timeoutMs: DOCKER_CALL_TIMEOUT_MS, maxBytesPerStream: SERVICE_INSPECT_MAX_BYTES, env };
  const ps = await boundedExec('docker', ['ps', '-q'], bounds);
  if (ps.exitCode !== 0) return undefined;
  const ids = ps.stdout
    .split('\n')
    .map((line) => line.trim())
    .filter((id) => /^[0-9a-zA-Z][\w.-]*$/.test(id))
    .slice(0, SERVICE_CONTAINERS_MAX);
  if (ids.length === 0) return [];
  const inspect = await boundedExec('docker', ['container', 'inspect', '--', ...ids], bounds);
  // A container gone between the two calls fails the call but leaves the others printed.
  if (inspect.truncated.stdout) return undefined;
  return parseInspect(inspect.stdout);
}

/** Engine API ContainerInspect records: NetworkSettings.Networks.<net>.Aliases, NetworkSettings.Ports. */
export function parseInspect(stdout: string): ServiceContainer[] | undefined {
  let records: unknown;
  try {
    records = JSON.parse(stdout);
  } catch {
    return undefined;
  }
  if (!Array.isArray(records)) return undefined;
  return records.filter(isObject).map(serviceContainer);
}

function serviceContainer(record: Record<string, unknown>): ServiceContainer {
  const id = typeof record.Id === 'string' ? record.Id : '';
  const settings = objectAt(record, 'NetworkSettings');
  const networks = objectAt(settings, 'Networks');
  const aliases = new Set<string>();
  for (const network of Object.values(networks).filter(isObject)) {
    const listed = Array.isArray(network.Aliases) ? network.Aliases : [];
    // Docker adds the short id as an alias; it is no label.
    for (const alias of listed)
      if (typeof alias === 'string' && alias !== '' && !id.startsWith(alias)) aliases.add(alias);
  }
  const ports = objectAt(settings, 'Ports');
  const exposed = objectAt(objectAt(record, 'Config'), 'ExposedPorts');
  const published: ServiceContainer['published'] = [];
  for (const [key, bindings] of Object.entries(ports)) {
    const containerPort = tcpPort(key);
    if (containerPort === undefined || !Array.isArray(bindings)) continue;
    const hostPorts = bindings.filter(isObject).map((b) => Number(b.HostPort));
    // IPv4 and IPv6 bindings name the same host port: one is enough.
    for (const hostPort of new Set(hostPorts.filter((p) => Number.isInteger(p) && p > 0)))
      published.push({ containerPort, hostPort });
  }
  const containerPorts = [...Object.keys(ports), ...Object.keys(exposed)]
    .map(tcpPort)
    .filter((p): p is number => p !== undefined);
  return {
    id,
    name: typeof record.Name === 'string' ? record.Name.replace(/^\//, '') : id.slice(0, 12),
    aliases: [...aliases],
    networks: Object.keys(networks),
    containerPorts: [...new Set(containerPorts)],
    published,
  };
}

/** "8000/tcp" → 8000; UDP ports carry no HTTP. */
function tcpPort(key: string): number | undefined {
  const m = /^(\d+)\/tcp$/.exec(key);
  return m ? Number(m[1]) : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function objectAt(record: Record<string, unknown>, key: string): Record<string, unknown> {
  const value = record[key];
  return isObject(value) ? value : {};
}
