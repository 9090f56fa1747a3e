import type { Cause, ServerKind } from './causes.js';
import type { Text } from './text.js';

/**
 * What went wrong with a request that got no HTTP answer, normalised from Node's and undici's many error codes
 * (net/probe.ts classifyError). Diagnosis reads these and nothing else.
 */
export const PROBE_ERROR_CODES = [
  /** Nothing listens on the port. */
  'ECONNREFUSED',
  /** The name does not resolve. */
  'ENOTFOUND',
  /** The resolver did not answer (temporary). */
  'EAI_AGAIN',
  /** The TCP connection was never established: packets dropped on the way (firewall, wrong address). */
  'CONNECT_TIMEOUT',
  /** No route to the host or network. */
  'EHOSTUNREACH',
  /** Connected, but no complete HTTP response within the request's time. */
  'TIMEOUT',
  /** The connection was reset or closed before the response was complete. */
  'ECONNRESET',
  /** The TLS handshake failed (certificate, protocol). */
  'TLS',
  /** The proxy could not be used or refused the tunnel. */
  'PROXY',
  /** What came back is not HTTP (a parser error, an impossible length). */
  'BAD_HTTP',
  /** We abandoned the request (cancellation, the server died). */
  'ABORTED',
  /** The poll was cut short by the overall deadline: says nothing about the server. */
  'DEADLINE',
  /** Anything else; the message keeps the original code. */
  'ERROR',
] as const;

export type ProbeErrorCode = (typeof PROBE_ERROR_CODES)[number];

/** What an unexplained log line is, by its shape alone (evidence/log-line-shape.ts); most telling first. */
export const LINE_SHAPES = ['usage-error', 'panic', 'exception', 'error-line', 'error-level'] as const;
export type LineShape = (typeof LINE_SHAPES)[number];

/** Why a request was made; shown in the timeline. */
export type Stage = 'health' | 'models' | 'detect' | 'smoke' | 'version' | 'pull' | 'backends';

/** The result of one bounded HTTP request. Network trouble is a value, never an exception. */
export type ProbeResult =
  | {
      kind: 'http';
      status: number;
      headers: Record<string, string>;
      /** Raw, as the server sent it, within the request's size bound (the edge redacts it). */
      body: string;
      /** True when the body was cut at the size bound. */
      truncated: boolean;
      durationMs: number;
      firstChunkMs?: number;
      viaProxy?: string;
    }
  | {
      kind: 'error';
      code: ProbeErrorCode;
      message: string;
      durationMs: number;
      viaProxy?: string;
    };

/** One thing we saw while waiting. Diagnosis is a pure function of a list of these. */
export type Evidence =
  | {
      kind: 'attempt';
      atMs: number;
      stage: Stage;
      method: string;
      url: string;
      result: ProbeResult;
      /** Set when the answer arrived but its content is unusable (not a model list, no completion). */
      problem?: string;
      /** The model a smoke request asked for. */
      model?: string;
    }
  | {
      kind: 'log';
      atMs: number;
      /** Where the line came from: "server log", "container abc123", a file path. */
      source: string;
      /** Raw (terminal escapes and control characters removed), bounded by text.ts keepChars. */
      line: string;
      /** Set when the line matches a known signature. */
      cause?: Cause;
      hint?: string;
      /** The server cannot recover from what this line reports. */
      fatal?: boolean;
      /** A wrapper line whose real cause is printed around it (servers/profile.ts LogSignature.generic). */
      generic?: boolean;
      /** Set for a line no signature knows whose shape says error (evidence/log-line-shape.ts). */
      shape?: LineShape;
    }
  | {
      kind: 'exit';
      atMs: number;
      code: number | null;
      signal: string | null;
      /**
       * What ended: the shell that ran `start` (`shell`), the processes it left running after it returned 0
       * (`group`), or the command never ran (`not-started`, with the system's reason).
       */
      ended: 'shell' | 'group' | 'not-started';
      reason?: string;
    }
  | {
      kind: 'container';
      atMs: number;
      id: string;
      status: string;
      exitCode: number | null;
      oomKilled: boolean;
      restartCount: number;
      health: string | null;
      error?: string;
    }
  | { kind: 'models'; atMs: number; served: string[] }
  | { kind: 'backend'; atMs: number; model: string; healthy: boolean; error?: string }
  | {
      kind: 'pull';
      atMs: number;
      model: string;
      /** The server's own words: "pulling manifest", "pulling 96c415656d37", "success". */
      status: string;
      /** Over every layer seen so far, when the server gave sizes. */
      percent?: number;
      completedBytes?: number;
      totalBytes?: number;
      /** Set when the pull failed. */
      failure?: PullFailure;
    }
  | { kind: 'note'; atMs: number; text: Text }
  | { kind: 'cancelled'; atMs: number; signal: string }
  /**
   * Where the processes of the start command listen (process/listening-sockets.ts): `pid` holds them (the
   * group's id when none listens), `addresses` as host:port, `via` the source that told us.
   */
  | { kind: 'listening'; atMs: number; pid: number; addresses: string[]; via: string }
  /**
   * What answers on this machine's well-known LLM ports, looked at once when base-url still refused at the
   * deadline (engine/stages/surroundings.ts): loopback only, one connect and one GET /v1/models per port.
   */
  | { kind: 'neighbours'; atMs: number; scannedHost: string; scannedPorts: number[]; answering: Neighbour[] }
  /** A variable in the step's environment or in `start` that moves a server's port or address. */
  | ({ kind: 'port-variable'; atMs: number } & PortVariable)
  | {
      kind: 'phase';
      atMs: number;
      source: string;
      /** Which part of the start-up the line marks (servers/phases.ts). */
      phase: StartupPhase;
      /** The duration the server printed about itself, when the line carries one. */
      tookMs?: number;
      /** Raw, bounded like a log line. */
      line: string;
    }
  /** The containers the docker CLI listed, looked at once at the deadline (engine/stages/surroundings.ts). */
  | ServiceContainersEvidence;

/** The parts a server's start-up is made of, as the start-up profile names them (servers/phases.ts). */
export const STARTUP_PHASES = [
  'download',
  'pull',
  'weights',
  'compile',
  'graph-capture',
  'engine-init',
] as const;
export type StartupPhase = (typeof STARTUP_PHASES)[number];

/** A server that answered GET /v1/models on a port of this machine other than base-url's. */
export interface Neighbour {
  host: string;
  port: number;
  server: ServerKind;
  /** Raw ids, the first few. */
  models: string[];
  /** The answer's status: 401 or 403 when it wants a key (none is sent to a server base-url did not name). */
  status: number;
}

/** An environment variable a server reads for where it listens, found set and at odds with base-url. */
export interface PortVariable {
  variable: string;
  /** Raw, as set. */
  value: string;
  /** `step`: the environment this preflight runs in (a started server inherits it); `start`: set in the command. */
  setIn: 'step' | 'start';
  /**
   * `port`/`host`/`host-port`: the server listens where it says; `internal-port`/`internal-host`: vLLM's own
   * ports and address, not the API server's; `service-link`: a Kubernetes Service link (tcp://…), which vLLM
   * refuses to start with; `convention`: no server reads it, scripts and compose files do.
   */
  effect: 'port' | 'host' | 'host-port' | 'internal-port' | 'internal-host' | 'service-link' | 'convention';
  /** The servers that read it. */
  readBy: ServerKind[];
  /** The port it makes the server listen on, when it names one. */
  port?: number;
  /** The address it makes the server bind, when it names one. */
  host?: string;
}

/**
 * What a start command that returned 0 left running outside its process group (evidence/left-behind.ts): the
 * post step stops it too.
 */
export type LeftBehind = { kind: 'processes'; pids: number[] } | { kind: 'container'; id: string };

/** Why a pull ended without "success": a typed reason, the server's own words only where it gave some. */
export type PullFailure =
  | { reason: 'server-error'; message: string }
  | { reason: 'http'; status: number; body: string }
  | { reason: 'deadline' }
  | { reason: 'abandoned' }
  | { reason: 'connection'; code: ProbeErrorCode }
  | { reason: 'no-success' };

/** One piece of evidence as it happens, for the live progress lines. */
export interface Progress {
  endpoint: string;
  evidence: Evidence;
  /** The run's overall deadline, for "45 s of 10 min" in the heartbeat. */
  timeoutMs?: number;
}

export interface Finding {
  cause: Cause;
  /** One line: what is wrong. */
  summary: Text;
  /** One or two sentences: how to fix it. */
  hint: Text;
  /** The evidence that led here, most telling first, bounded. */
  evidence: Evidence[];
}

export interface SmokeResult {
  model: string;
  ok: boolean;
  ttftMs?: number;
  totalMs: number;
  text?: string;
}

export interface EndpointResult {
  /** Normalised, ending in /v1, credentials stripped. */
  baseUrl: string;
  ready: boolean;
  finding?: Finding;
  server: ServerKind | 'unknown';
  serverVersion?: string;
  models: string[];
  smoke: SmokeResult[];
  elapsedMs: number;
  timeline: Evidence[];
}

export interface PreflightResult {
  ready: boolean;
  /** The first failing endpoint's finding (or the only one). */
  finding?: Finding;
  endpoints: EndpointResult[];
  elapsedMs: number;
  logFile?: string;
  /** The PID of a server started with `start`, left running for the job. */
  startedPid?: number;
  demo?: boolean;
  /** Risks for the job's tests that do not make the server unready (a proxy variable that captures it). */
  warnings: Text[];
}

/**
 * A container the docker CLI lists, as a job reaches it: from a container job by a network alias (a service
 * container's label is one), from the runner by the host port Docker maps to one of its ports.
 */
export interface ServiceContainer {
  id: string;
  /** Raw, without the leading slash. */
  name: string;
  /** The network aliases it has on its networks (its own id left out), raw. */
  aliases: string[];
  networks: string[];
  /** The container ports it exposes or publishes (TCP). */
  containerPorts: number[];
  /** Where Docker maps a container port to a port of the host. */
  published: { containerPort: number; hostPort: number }[];
}

/** What the docker CLI listed at the deadline when base-url's host was a label or a container job's localhost. */
export type ServiceContainersEvidence = {
  kind: 'service-containers';
  atMs: number;
  inContainerJob: boolean;
  containers: ServiceContainer[];
};
