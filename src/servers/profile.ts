import type { Cause, ServerKind } from '../causes.js';
import type { StartupPhase } from '../types.js';

/** A row of the log-signature table: a line matching `pattern` names `cause`, and `hint` says the fix. */
export interface LogSignature {
  pattern: RegExp;
  cause: Cause;
  hint: string;
  /**
   * False for lines that explain a failure but do not cause one (llama.cpp falls back to the CPU when CUDA
   * fails; the Hub answers 429 and the client retries). Fatal lines settle the preflight at once.
   */
  fatal?: boolean;
  /**
   * True for wrapper lines whose real cause is printed just before or after them ("Engine core
   * initialization failed. See root cause above", TGI "Error: DownloadError"). The log reader holds them
   * back briefly so the specific line decides; alone, they still name their cause.
   */
  generic?: boolean;
  /** A real line of that server's log (docs/servers.md); the tests feed it to the matcher. */
  sample: string;
}

export interface ModelsResponse {
  status: number;
  headers: Record<string, string>;
  json: unknown;
}

export interface ServerProfile {
  kind: ServerKind;
  label: string;
  defaultPort: number;
  /** Readiness endpoint beyond the model list, relative to the root (not /v1), when the list alone is not enough. */
  healthPath?: string;
  /** Where the version is, and how to read it. */
  version?: { path: string; read(json: unknown): string | undefined };
  /** True when a model-list response carries this server's fingerprint. */
  fingerprint(res: ModelsResponse): boolean;
  /** Log lines that mean "ready now": probe at once instead of at the next tick. */
  readyLog: RegExp[];
  logSignatures: LogSignature[];
  /**
   * Servers this one runs inside it, whose log lines it passes on: Ollama and LocalAI run llama.cpp, so a
   * llama.cpp line ("unknown model architecture") means the same in their logs.
   */
  embeds?: ServerKind[];
  /** Lines that mark a part of the start-up, for the start-up profile (servers/phases.ts). */
  startupPhases?: PhaseSignal[];
}

/**
 * A row of a server's start-up profile: a line matching `pattern` belongs to `phase`. With `tookMs` the line
 * carries the duration the server measured itself; without, the phase lasts from its first such line to its
 * last, on our clock (the time each line arrived).
 */
export interface PhaseSignal {
  phase: StartupPhase;
  pattern: RegExp;
  tookMs?: (match: RegExpExecArray) => number | undefined;
  /**
   * How the durations of several such lines add up: `max` for the same step printed once per worker or
   * rank (vLLM's tensor-parallel workers), `sum` for steps done one after another (TGI's one line per file).
   */
  combine?: 'max' | 'sum';
  /** Phases this one's printed duration contains (vLLM's model loading includes the download). */
  includes?: StartupPhase[];
  /** A real line of that server's log, and where it was seen; the tests feed it to the matcher. */
  sample: string;
  seenAt: string;
}

export function dataEntries(json: unknown): Array<Record<string, unknown>> {
  if (!json || typeof json !== 'object') return [];
  const data = (json as { data?: unknown }).data;
  return Array.isArray(data)
    ? data.filter((d): d is Record<string, unknown> => !!d && typeof d === 'object')
    : [];
}

export function ownedByAll(json: unknown, owner: string): boolean {
  const entries = dataEntries(json);
  return entries.length > 0 && entries.every((e) => e.owned_by === owner);
}

export function readVersionField(json: unknown, field = 'version'): string | undefined {
  if (!json || typeof json !== 'object') return undefined;
  const value = (json as Record<string, unknown>)[field];
  return typeof value === 'string' && value.length < 100 ? value : undefined;
}
