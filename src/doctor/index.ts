/**
 * `llm-preflight doctor`: what in this environment commonly breaks a connection to a local LLM server, each with
 * a verdict and a fix. The checks are pure functions of facts; the facts come from injected probes, so tests
 * can state an environment and the CLI uses the real one (systemProbes).
 */
import {
  checkContainer,
  checkDisk,
  checkDocker,
  checkGpu,
  checkLocalhost,
  checkProxy,
  diskLocations,
  dockerSocketPath,
  DOCTOR_COMMAND_TIMEOUT_MS,
  type DoctorCheck,
  type LookupResult,
} from './checks.js';
import type { DoctorProbes } from './system-probes.js';
import { checkWhereabouts, portsAround, type WhereTarget } from './whereabouts.js';
import { isThisMachine } from '../net/hosts.js';

export * from './checks.js';
export { renderDoctor } from './render.js';
export { systemProbes, type DoctorProbes } from './system-probes.js';
export { checkWhereabouts, type WhereFacts } from './whereabouts.js';

/** Resolving localhost reads /etc/hosts; anything slower than this is itself a finding. */
export const DOCTOR_LOOKUP_TIMEOUT_MS = 3_000;

export interface DoctorOptions {
  /** Hosts of the servers the user named (base-url), checked for proxy coverage besides loopback. */
  hosts?: string[];
  /** The base-urls named, looked at for where their server is when it is on this machine. */
  endpoints?: WhereTarget[];
  lookupTimeoutMs?: number;
}

export async function runDoctor(
  env: Record<string, string | undefined>,
  probes: DoctorProbes,
  options: DoctorOptions = {},
): Promise<DoctorCheck[]> {
  const dockerSocket = dockerSocketPath(env);
  const locations = diskLocations(env, probes.homedir, probes.tmpdir);
  const [localhost, dockerenv, containerenv, cgroup, docker, socketExists, gpu, free] = await Promise.all([
    withTimeout(probes.lookup('localhost'), options.lookupTimeoutMs ?? DOCTOR_LOOKUP_TIMEOUT_MS, {
      error: 'TIMEOUT',
    } as LookupResult),
    probes.exists('/.dockerenv'),
    probes.exists('/run/.containerenv'),
    probes.readText('/proc/1/cgroup'),
    probes.run('docker', ['version', '--format', '{{.Server.Version}}'], DOCTOR_COMMAND_TIMEOUT_MS),
    dockerSocket ? probes.exists(dockerSocket) : Promise.resolve(false),
    probes.run('nvidia-smi', ['-L'], DOCTOR_COMMAND_TIMEOUT_MS),
    Promise.all(locations.map((l) => probes.freeBytes(l.path))),
  ]);
  return [
    checkProxy(env, options.hosts ?? []),
    checkLocalhost(localhost),
    checkContainer({ dockerenv, containerenv, cgroup, env }),
    checkDocker(docker, { socket: dockerSocket, socketExists }),
    checkGpu(gpu),
    checkDisk(locations.map((l, i) => ({ ...l, freeBytes: free[i] }))),
    ...(await lookWhere(env, probes, options.endpoints ?? [])),
  ];
}

/** One `where` check per base-url on this machine, when the probes can look (connect and scan). */
async function lookWhere(
  env: Record<string, string | undefined>,
  probes: DoctorProbes,
  endpoints: readonly WhereTarget[],
): Promise<DoctorCheck[]> {
  const { listening, neighbours } = probes;
  if (!listening || !neighbours) return [];
  const local = endpoints.filter((e) => isThisMachine(e.host));
  return Promise.all(
    local.map(async (target) => {
      const scannedPorts = portsAround(target);
      const open = await listening(target.host, target.port);
      const found = open ? [] : await neighbours(scannedPorts);
      return checkWhereabouts({ target, env, listening: open, neighbours: found, scannedPorts });
    }),
  );
}

/** 0 unless a check failed: warnings describe risks for some clients, not a broken environment. */
export function doctorExitCode(checks: readonly DoctorCheck[]): number {
  return checks.some((c) => c.verdict === 'fail') ? 1 : 0;
}

/** The promise's value, or `fallback` once `ms` have passed without one. */
async function withTimeout<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
