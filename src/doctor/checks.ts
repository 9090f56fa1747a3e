/**
 * The doctor's checks: each a pure function of facts about the environment (gathered by runDoctor through
 * its probes), giving a verdict and, when something is wrong, a fix.
 */
import { containerSigns } from '../evidence/container-job.js';
import { unbracket } from '../net/hosts.js';
import { noProxyCovers, PROXY_VARIABLES, splitNoProxy } from '../net/proxy-env.js';
import { join } from 'node:path';
import { formatBytes } from '../servers/ollama-pull.js';

export type Verdict = 'ok' | 'warn' | 'fail' | 'info';

export interface DoctorCheck {
  /** Stable id: proxy, localhost, container, docker, gpu, disk. */
  name: string;
  verdict: Verdict;
  detail: string;
  fix?: string;
}

export interface CommandResult {
  /**
   * ENOENT: not installed; TIMEOUT: killed after the bound; OUTPUT_TOO_LONG: killed when its output passed
   * the bound; other spawn error codes as given.
   */
  error?: string;
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

export type LookupResult = { addresses: Array<{ address: string; family: number }> } | { error: string };

/** `docker version` waits for the daemon and `nvidia-smi` for the driver: a hung one must not hang the doctor. */
export const DOCTOR_COMMAND_TIMEOUT_MS = 5_000;
/** Below this not even a 0.5B model (about 1 GB of weights) and its unpacking fit. */
export const DISK_FAIL_BYTES = 1_000_000_000;
/** A 7B model takes 4–15 GB depending on quantization. */
export const DISK_WARN_BYTES = 10_000_000_000;
const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '::1'];

// ── proxy ────────────────────────────────────────────────────────────────────────────────────────────────

export function checkProxy(
  env: Record<string, string | undefined>,
  extraHosts: readonly string[],
): DoctorCheck {
  const set = PROXY_VARIABLES.filter((name) => (env[name] ?? '').trim() !== '');
  if (set.length === 0)
    return {
      name: 'proxy',
      verdict: 'ok',
      detail: 'No proxy variable is set: requests to local servers go direct.',
    };
  const shown = set.map((name) => `${name}=${safeProxyUrl(env[name]!.trim())}`).join(', ');
  // Clients disagree on which spelling they read (curl and Python try no_proxy first), so a host counts as
  // covered only when every NO_PROXY spelling that is set lists it.
  const noProxyValues = ['no_proxy', 'NO_PROXY']
    .map((name) => env[name])
    .filter((v): v is string => v !== undefined && v.trim() !== '');
  const hosts = [...new Set([...LOOPBACK_HOSTS, ...extraHosts.map((h) => unbracket(h))])];
  const uncovered = hosts.filter(
    (host) => noProxyValues.length === 0 || !noProxyValues.every((v) => noProxyCovers(host, v)),
  );
  const differ =
    noProxyValues.length === 2 && noProxyValues[0] !== noProxyValues[1]
      ? ' no_proxy and NO_PROXY differ, and clients read different ones.'
      : '';
  if (uncovered.length === 0) {
    return {
      name: 'proxy',
      verdict: 'ok',
      detail: `${shown}; NO_PROXY covers ${hosts.join(', ')}.${differ}`,
    };
  }
  const existing = (env.no_proxy ?? env.NO_PROXY ?? '').trim();
  const wanted = [...new Set([...splitNoProxy(existing), ...uncovered])].join(',');
  return {
    name: 'proxy',
    verdict: 'warn',
    detail:
      `${shown}, and NO_PROXY does not cover ${uncovered.join(', ')}: Python (httpx, requests, openai), curl and axios ` +
      `clients in your tests send requests for ${uncovered.length === 1 ? 'that host' : 'those hosts'} to the proxy ` +
      `(llm-preflight itself never proxies loopback).${differ}`,
    fix: `Set both spellings for the job: NO_PROXY=${wanted} and no_proxy=${wanted}.`,
  };
}

/** A proxy URL with its credentials masked. */
function safeProxyUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.username || url.password) {
      url.username = '***';
      url.password = '';
    }
    return url.toString().replace(/\/$/, '');
  } catch {
    return value.replace(/\/\/[^@/]*@/, '//***@');
  }
}

// ── localhost ────────────────────────────────────────────────────────────────────────────────────────────

export function checkLocalhost(result: LookupResult): DoctorCheck {
  if ('error' in result) {
    return {
      name: 'localhost',
      verdict: 'fail',
      detail: `localhost does not resolve (${result.error}): every client that calls http://localhost:… fails.`,
      fix: 'Add "127.0.0.1 localhost" and "::1 localhost" to /etc/hosts, or use http://127.0.0.1:<port>.',
    };
  }
  const v4 = result.addresses.filter((a) => a.family === 4).map((a) => a.address);
  const v6 = result.addresses.filter((a) => a.family === 6).map((a) => a.address);
  const order = result.addresses.map((a) => a.address).join(', ');
  if (v4.length > 0 && v6.length > 0) {
    return {
      name: 'localhost',
      verdict: 'ok',
      detail:
        `localhost resolves to both IPv4 and IPv6 (${order}, in that order). Servers that bind 127.0.0.1 only ` +
        '(Ollama, llama-server, SGLang by default) are still reached by clients that try every address ' +
        `(Node ≥ 20, curl, Python)${result.addresses[0]?.family === 6 ? '; a client that tries only the first address gets ::1 and is refused' : ''}.`,
    };
  }
  if (v4.length > 0) {
    return {
      name: 'localhost',
      verdict: 'ok',
      detail: `localhost resolves to IPv4 only (${order}): a server bound to ::1 only would not be reached through localhost.`,
    };
  }
  if (v6.length > 0) {
    return {
      name: 'localhost',
      verdict: 'warn',
      detail: `localhost resolves to IPv6 only (${order}): servers that bind 127.0.0.1 (Ollama, llama-server and SGLang by default) are refused through localhost.`,
      fix: 'Use http://127.0.0.1:<port> in base-url and in your tests, or bind the server to :: or 0.0.0.0.',
    };
  }
  return {
    name: 'localhost',
    verdict: 'fail',
    detail: 'localhost resolves to no address.',
    fix: 'Add "127.0.0.1 localhost" to /etc/hosts, or use http://127.0.0.1:<port>.',
  };
}

// ── container job ────────────────────────────────────────────────────────────────────────────────────────

export interface ContainerFacts {
  dockerenv: boolean;
  containerenv: boolean;
  cgroup: string | undefined;
  env: Record<string, string | undefined>;
}

export function checkContainer(facts: ContainerFacts): DoctorCheck {
  const why = containerSigns(facts);
  const inContainer = why.length > 0;
  const actions = facts.env.GITHUB_ACTIONS === 'true';
  if (actions && inContainer) {
    return {
      name: 'container',
      verdict: 'info',
      detail:
        `This job runs inside a container (${why.join(', ')}): reach a service container by its label and ` +
        'container port (http://<label>:<port>, e.g. http://ollama:11434); localhost is this job container itself, and mapped host ports do not apply.',
    };
  }
  if (actions) {
    return {
      name: 'container',
      verdict: 'info',
      detail:
        'This job runs on the runner host (not in a container): reach a service container at http://localhost:<mapped port> ' +
        "(the service needs ports:, e.g. ${{ job.services.llm.ports['8000'] }}); service labels do not resolve here.",
    };
  }
  return {
    name: 'container',
    verdict: 'info',
    detail: inContainer
      ? `Not in GitHub Actions; running inside a container (${why.join(', ')}): localhost is this container, not the host.`
      : 'Not in GitHub Actions, and not inside a container as far as can be seen.',
  };
}

// ── docker ───────────────────────────────────────────────────────────────────────────────────────────────

/** The socket the docker CLI would use: DOCKER_HOST when it is unix://, else the default path. */
export function dockerSocketPath(env: Record<string, string | undefined>): string | undefined {
  const host = env.DOCKER_HOST?.trim();
  if (!host) return '/var/run/docker.sock';
  return host.startsWith('unix://') ? host.slice('unix://'.length) : undefined;
}

export function checkDocker(
  result: CommandResult,
  socket: { socket: string | undefined; socketExists: boolean },
): DoctorCheck {
  const version = result.stdout.trim().split('\n')[0] ?? '';
  if (!result.error && result.exitCode === 0 && version !== '') {
    return {
      name: 'docker',
      verdict: 'ok',
      detail: `The Docker engine ${version} is reachable: container: and docker commands in start can work.`,
    };
  }
  if (result.error === 'ENOENT') {
    return {
      name: 'docker',
      verdict: 'info',
      detail:
        socket.socketExists && socket.socket
          ? `No docker CLI on PATH, though a Docker socket exists at ${socket.socket}: the container input needs the CLI.`
          : 'No Docker here (no docker CLI on PATH): the container input and docker commands in start need it; service containers are run by the runner and do not.',
    };
  }
  const message =
    firstLine(result.stderr) || firstLine(result.stdout) || `exit code ${result.exitCode ?? '?'}`;
  return {
    name: 'docker',
    verdict: 'warn',
    detail:
      result.error === 'TIMEOUT'
        ? `docker version did not answer within ${DOCTOR_COMMAND_TIMEOUT_MS / 1000} s: the engine is hung or unreachable.`
        : `The docker CLI is installed but the engine is not reachable: ${message}`,
    fix: /permission denied/i.test(message)
      ? 'Add this user to the docker group (or run with access to the socket).'
      : 'Start the Docker daemon, or point DOCKER_HOST at a running one; the container input and docker commands in start need it.',
  };
}

// ── gpu ──────────────────────────────────────────────────────────────────────────────────────────────────

export function checkGpu(result: CommandResult): DoctorCheck {
  if (result.error === 'ENOENT') {
    return {
      name: 'gpu',
      verdict: 'info',
      detail:
        'No NVIDIA GPU is visible (nvidia-smi not found). vLLM, SGLang and TGI need one; Ollama and llama.cpp run on the CPU, slowly. Standard GitHub-hosted runners have no GPU.',
    };
  }
  const gpus = result.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^GPU \d+:/.test(l))
    .map((l) => l.replace(/\s*\(UUID:[^)]*\)/, ''));
  if (!result.error && result.exitCode === 0 && gpus.length > 0) {
    return { name: 'gpu', verdict: 'ok', detail: `${gpus.length} GPU(s): ${gpus.slice(0, 8).join('; ')}.` };
  }
  const message =
    result.error === 'TIMEOUT'
      ? `nvidia-smi did not answer within ${DOCTOR_COMMAND_TIMEOUT_MS / 1000} s`
      : firstLine(result.stdout) ||
        firstLine(result.stderr) ||
        `nvidia-smi exited with code ${result.exitCode ?? '?'}`;
  return {
    name: 'gpu',
    verdict: 'warn',
    detail: `nvidia-smi is installed but lists no usable GPU: ${message}.`,
    fix: 'Use a GPU runner; in a container, start it with --gpus all and the NVIDIA container toolkit, so the driver is visible inside.',
  };
}

// ── disk ─────────────────────────────────────────────────────────────────────────────────────────────────

export interface DiskLocation {
  label: string;
  path: string;
}

/** Where model downloads land: the Hugging Face cache, Ollama's model store, and the runner's temp. */
export function diskLocations(
  env: Record<string, string | undefined>,
  home: string,
  temp: string,
): DiskLocation[] {
  const cache = env.XDG_CACHE_HOME || join(home, '.cache');
  const hf = env.HF_HUB_CACHE || (env.HF_HOME ? join(env.HF_HOME, 'hub') : join(cache, 'huggingface'));
  const locations: DiskLocation[] = [
    { label: 'Hugging Face cache', path: hf },
    { label: 'Ollama models', path: env.OLLAMA_MODELS || join(home, '.ollama', 'models') },
    { label: env.RUNNER_TEMP ? 'runner temp' : 'temp', path: env.RUNNER_TEMP || temp },
  ];
  return locations;
}

export function checkDisk(
  locations: ReadonlyArray<DiskLocation & { freeBytes: number | undefined }>,
): DoctorCheck {
  const known = locations.filter((l): l is DiskLocation & { freeBytes: number } => l.freeBytes !== undefined);
  const detail = locations
    .map(
      (l) =>
        `${l.label} (${l.path}): ${l.freeBytes === undefined ? 'free space unknown' : `${formatBytes(l.freeBytes)} free`}`,
    )
    .join('; ');
  if (known.length === 0) return { name: 'disk', verdict: 'info', detail };
  const least = Math.min(...known.map((l) => l.freeBytes));
  if (least < DISK_FAIL_BYTES) {
    return {
      name: 'disk',
      verdict: 'fail',
      detail: `${detail}. Under ${formatBytes(DISK_FAIL_BYTES)} free: not even a small model fits.`,
      fix: 'Free disk space (docker system prune, remove unused toolchains), or point HF_HOME / OLLAMA_MODELS at a larger disk.',
    };
  }
  if (least < DISK_WARN_BYTES) {
    return {
      name: 'disk',
      verdict: 'warn',
      detail: `${detail}. Under ${formatBytes(DISK_WARN_BYTES)} free: a 7B model (4–15 GB) may not fit.`,
      fix: 'Use a small or quantized model, free disk space, or point HF_HOME / OLLAMA_MODELS at a larger disk.',
    };
  }
  return { name: 'disk', verdict: 'ok', detail };
}

function firstLine(text: string): string {
  return (text.split('\n').find((l) => l.trim() !== '') ?? '').trim().slice(0, 200);
}
