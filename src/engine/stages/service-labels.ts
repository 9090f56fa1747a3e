/**
 * Where a service container really is for this job: from the runner, a label does not resolve and the service
 * is at the host port Docker maps; from a container job, localhost is the job's own container and the service
 * is at its label. At the deadline, one bounded look through the docker CLI (evidence/service-containers.ts).
 */
import { hostname } from 'node:os';
import { runsInContainer } from '../../evidence/container-job.js';
import { listServiceContainers } from '../../evidence/service-containers.js';
import { isLoopbackHost } from '../../net/hosts.js';
import type { Finding, ServiceContainer } from '../../types.js';
import type { EndpointSession } from '../endpoint-session.js';

/** A bare label that did not resolve from the runner, or a container job's localhost that refused. */
export async function lookForServices(session: EndpointSession, found: Finding): Promise<boolean> {
  const host = session.endpoint.host;
  const bareLabel = found.cause === 'dns-failure' && !host.includes('.') && !host.includes(':');
  const refusedHere = found.cause === 'connection-refused' && isLoopbackHost(host);
  if (!bareLabel && !refusedHere) return false;
  const inContainerJob = session.run.inContainerJob ?? (await runsInContainer());
  if (bareLabel === inContainerJob) return false;
  const listed = await listServiceContainers(session.run.env);
  if (listed === undefined) return false;
  session.record({
    kind: 'service-containers',
    atMs: session.at(),
    inContainerJob,
    containers: inContainerJob ? onJobNetwork(listed) : listed,
  });
  return true;
}

/**
 * Docker names a container's host after its short id, so the job container is found by this host's name; the
 * services it reaches share one of its networks. Not found (a hostname set): every container listed.
 */
function onJobNetwork(containers: ServiceContainer[]): ServiceContainer[] {
  const self = hostname();
  const job = containers.find((c) => self.length >= 12 && c.id.startsWith(self));
  if (!job) return containers;
  return containers.filter((c) => c !== job && c.networks.some((n) => job.networks.includes(n)));
}
