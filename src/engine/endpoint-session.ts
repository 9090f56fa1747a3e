import type { ServerKind } from '../causes.js';
import type { Config } from '../config/schema.js';
import type { EndpointSpec } from '../config/endpoints.js';
import { settle, type DiagnoseContext } from '../diagnose/index.js';
import {
  EVIDENCE_BODY_CHARS,
  HEADER_EVIDENCE_MAX_CHARS,
  REQUEST_TIMEOUT_FLOOR_MS,
  TIMELINE_MAX_EVIDENCE,
} from '../limits.js';
import type { ProbeRequest } from '../net/probe.js';
import { keepChars } from '../text.js';
import type { Evidence, Finding, ProbeResult, Stage } from '../types.js';
import type { RunContext } from './run-context.js';

export type AttemptEvidence = Extract<Evidence, { kind: 'attempt' }>;

export type CallOptions = Partial<ProbeRequest> & { maxBodyBytes: number };

export interface CallAnswer {
  /** Raw, unbounded by the evidence limits: decisions read what the server really said. */
  result: ProbeResult;
  json?: unknown;
  /** The timeline's entry for this request; stages add a `problem` or `model` to it. */
  evidence: AttemptEvidence;
}

/**
 * One endpoint's wait: what it has learnt (kind, served ids, pulled models), its own bounded timeline, and
 * the one way it talks to the server (`call`), bounded by the run's deadline.
 */
export class EndpointSession {
  kind: ServerKind | undefined;
  /** Raw ids from the last well-formed model list. */
  served: string[] | undefined;
  /** GET / is asked once: a model list without a fingerprint will not grow one. */
  rootDetectionTried = false;
  /** Models `pull` has already tried, so each is pulled at most once. */
  readonly pulled = new Set<string>();
  readonly requiredModels: string[];
  private readonly own: Evidence[] = [];

  constructor(
    readonly endpoint: EndpointSpec,
    readonly config: Config,
    readonly run: RunContext,
  ) {
    this.kind = config.server === 'auto' ? undefined : config.server;
    this.requiredModels = endpoint.models.length > 0 ? endpoint.models : config.models;
  }

  /** Milliseconds since the run started, for evidence. */
  at(): number {
    return Math.round(this.run.now() - this.run.startedAt);
  }

  timeLeftMs(): number {
    return this.run.deadline - this.run.now();
  }

  record(ev: Evidence): void {
    // Bounded: a long wait keeps the first attempts (how it started) and the most recent ones.
    if (this.own.length >= TIMELINE_MAX_EVIDENCE) this.own.splice(TIMELINE_MAX_EVIDENCE / 2, 1);
    this.own.push(ev);
    this.run.onProgress?.({ endpoint: this.endpoint.apiBase, evidence: ev });
  }

  /** One request to the endpoint, bounded by its own timeout and the overall deadline, recorded as evidence. */
  async call(stage: Stage, path: string, options: CallOptions): Promise<CallAnswer> {
    const { timeoutMs, cutByDeadline } = this.requestTimeout(options.timeoutMs);
    const probed = await this.run.prober.probe({
      method: options.method ?? 'GET',
      url: `${this.endpoint.root}${path}${this.endpoint.query}`,
      headers: { ...this.authHeaders(), ...(options.body ? { 'content-type': 'application/json' } : {}) },
      timeoutMs,
      maxBodyBytes: options.maxBodyBytes,
      ...(options.body !== undefined ? { body: options.body } : {}),
      ...(options.onChunk ? { onChunk: options.onChunk } : {}),
      ...(options.endOfBody ? { endOfBody: options.endOfBody } : {}),
      ...(this.run.signal ? { signal: this.run.signal } : {}),
    });
    const result: ProbeResult =
      cutByDeadline && probed.kind === 'error' && probed.code === 'TIMEOUT'
        ? { ...probed, code: 'DEADLINE', message: 'cut off by the overall deadline' }
        : probed;
    const json = result.kind === 'http' && !result.truncated ? parseJson(result.body) : undefined;
    const evidence: AttemptEvidence = {
      kind: 'attempt',
      atMs: this.at(),
      stage,
      method: options.method ?? 'GET',
      url: `${this.endpoint.root}${path}`,
      result: keptForTimeline(result),
    };
    this.record(evidence);
    return json === undefined ? { result, evidence } : { result, json, evidence };
  }

  private requestTimeout(askedMs: number | undefined): { timeoutMs: number; cutByDeadline: boolean } {
    const remaining = this.timeLeftMs();
    const wantedMs = askedMs ?? this.config.requestTimeoutMs;
    // The last try at the deadline still gets the floor: a 1 ms request proves nothing either way.
    const timeoutMs = Math.max(1, Math.min(wantedMs, Math.max(remaining, REQUEST_TIMEOUT_FLOOR_MS)));
    // A poll cut short by the overall deadline says nothing about the server: diagnosis must not read its
    // timeout as "no response" when the attempts before it saw a 503 or a 500.
    const cutByDeadline = askedMs === undefined && timeoutMs < this.config.requestTimeoutMs;
    return { timeoutMs, cutByDeadline };
  }

  private authHeaders(): Record<string, string> {
    if (this.config.apiKey) return { authorization: `Bearer ${this.config.apiKey}` };
    if (this.endpoint.basicAuth) return { authorization: `Basic ${this.endpoint.basicAuth}` };
    return {};
  }

  context(deadlineReached: boolean): DiagnoseContext {
    const ctx: DiagnoseContext = {
      host: this.endpoint.host,
      port: this.endpoint.port,
      root: this.endpoint.root,
      kind: this.kind,
      requiredModels: this.requiredModels,
      apiKeyGiven: Boolean(this.config.apiKey || this.endpoint.basicAuth),
      deadlineReached,
      timeoutMs: this.config.timeoutMs,
      watchingLogs: Boolean(this.config.start || this.config.container || this.config.logFile),
    };
    if (this.served) ctx.served = this.served;
    return ctx;
  }

  /** The sources' evidence and this endpoint's own, in time order. */
  timeline(): Evidence[] {
    return [...this.run.shared, ...this.own].sort((x, y) => x.atMs - y.atMs);
  }

  /** What diagnosis makes of everything seen so far, or undefined when it has no verdict yet. */
  diagnose(deadlineReached: boolean): Finding | undefined {
    return settle(this.timeline(), this.context(deadlineReached));
  }

  lastAttempt(): AttemptEvidence | undefined {
    return this.own.findLast((e): e is AttemptEvidence => e.kind === 'attempt');
  }

  /** The sources reported a process exit (the server `start` launched). */
  exitSeen(): boolean {
    return this.run.shared.some((e) => e.kind === 'exit');
  }

  /** This endpoint's port already accepted connections before `start` ran. */
  portBusyBeforeStart(): boolean {
    return this.run.busyBeforeStart?.includes(`${this.endpoint.host}:${this.endpoint.port}`) ?? false;
  }
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/** The timeline keeps what the server said raw, within bounds: the edge redacts it (report/present.ts). */
function keptForTimeline(result: ProbeResult): ProbeResult {
  if (result.kind !== 'http') return result;
  return {
    ...result,
    body: keepChars(result.body, EVIDENCE_BODY_CHARS),
    headers: pickHeaders(result.headers),
  };
}

const KEPT_HEADERS = [
  'server',
  'content-type',
  'via',
  'x-squid-error',
  'location',
  'www-authenticate',
  'x-litellm-version',
  'retry-after',
];

function pickHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of KEPT_HEADERS)
    if (headers[name] !== undefined) out[name] = keepChars(headers[name], HEADER_EVIDENCE_MAX_CHARS);
  for (const name of Object.keys(headers))
    if (name.startsWith('x-litellm-')) out[name] = keepChars(headers[name]!, HEADER_EVIDENCE_MAX_CHARS);
  return out;
}
