/**
 * Ollama's pull: POST /api/pull {"model", "stream": true} answers with one JSON object per line as the download
 * goes (docs/servers.md §4): `{"status":"pulling manifest"}`, then per layer
 * `{"status":"pulling <digest>","digest":…,"total":N,"completed":M}` many times a second, then
 * `{"status":"verifying sha256 digest"}`, `{"status":"writing manifest"}`, `{"status":"success"}`. A failure is a
 * line `{"error":"pull model manifest: file does not exist"}` in a 200 stream, or a plain 4xx/5xx JSON error
 * before streaming starts (e.g. 400 "invalid model name").
 */
import { quote, text, type Text } from '../text.js';
import type { ProbeResult, PullFailure } from '../types.js';

/**
 * Bytes of stream one pull request may read. Ollama writes a ~170-byte progress line every 60 ms
 * (server/download.go), about 10 MB an hour; the probe keeps what it reads, so a request is cut at this
 * bound and the pull re-issued, and Ollama resumes the download from its partial files.
 */
export const PULL_STREAM_MAX_BYTES = 4 * 1024 * 1024;
/** Re-issued requests after a cut stream; at the bound above this covers ~10 hours, past any job's limit. */
export const PULL_MAX_REQUESTS = 100;
/** Progress is reported once per this many percent, so a pull adds at most ~11 lines to the log. */
export const PULL_PROGRESS_STEP_PERCENT = 10;
/** ...and at least this often while the percentage moves, so a slow pull still shows it is alive. */
export const PULL_HEARTBEAT_MS = 30_000;
/** Distinct phase lines ("pulling manifest", "writing manifest", ...) reported per pull; Ollama has about five. */
export const PULL_MAX_PHASE_LINES = 12;
/** A line longer than this is not Ollama's progress; it is dropped rather than buffered without end. */
export const PULL_LINE_MAX_CHARS = 64 * 1024;
/** How much of a server's error message is kept. */
export const PULL_ERROR_MAX_CHARS = 500;

/** What a pull reports: one entry per progress line worth showing. */
export interface PullUpdate {
  status: string;
  percent?: number;
  completedBytes?: number;
  totalBytes?: number;
  failure?: PullFailure;
}

export type PullLine =
  | { kind: 'progress'; status: string; digest?: string; total?: number; completed?: number }
  | { kind: 'error'; message: string };

/** One NDJSON line of the pull stream, or undefined for a blank or foreign line. */
export function parsePullLine(line: string): PullLine | undefined {
  const text = line.trim();
  if (text === '') return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) return undefined;
  const o = json as Record<string, unknown>;
  if (typeof o.error === 'string') return { kind: 'error', message: o.error.slice(0, PULL_ERROR_MAX_CHARS) };
  // Some error envelopes are OpenAI-shaped ({"error":{"message":…}}), e.g. from a proxy in front of Ollama.
  if (
    o.error &&
    typeof o.error === 'object' &&
    typeof (o.error as { message?: unknown }).message === 'string'
  )
    return {
      kind: 'error',
      message: (o.error as { message: string }).message.slice(0, PULL_ERROR_MAX_CHARS),
    };
  if (typeof o.status !== 'string') return undefined;
  const out: PullLine = { kind: 'progress', status: o.status.slice(0, 200) };
  if (typeof o.digest === 'string') out.digest = o.digest;
  if (typeof o.total === 'number' && Number.isFinite(o.total) && o.total >= 0) out.total = o.total;
  if (typeof o.completed === 'number' && Number.isFinite(o.completed) && o.completed >= 0)
    out.completed = o.completed;
  return out;
}

/**
 * Reads the stream chunk by chunk and decides which lines are worth reporting: each new phase, each
 * PULL_PROGRESS_STEP_PERCENT of the download, and a heartbeat while it moves. Everything else is counted, not shown.
 */
export class PullTracker {
  private buffer = '';
  private readonly layers = new Map<string, { total: number; completed: number }>();
  private readonly phases = new Set<string>();
  private lastStep = -1;
  private lastReportAt: number;
  private lastReportedPercent: number | undefined;
  succeeded = false;
  failure: PullFailure | undefined;

  constructor(
    private readonly report: (update: PullUpdate) => void,
    private readonly now: () => number,
  ) {
    this.lastReportAt = now();
  }

  get completedBytes(): number {
    let sum = 0;
    for (const layer of this.layers.values()) sum += Math.min(layer.completed, layer.total);
    return sum;
  }

  get totalBytes(): number {
    let sum = 0;
    for (const layer of this.layers.values()) sum += layer.total;
    return sum;
  }

  /** Whole percent over every layer seen so far; undefined before the server gave a size. */
  get percent(): number | undefined {
    const total = this.totalBytes;
    if (total <= 0) return undefined;
    return Math.min(100, Math.floor((this.completedBytes / total) * 100));
  }

  push(chunk: string): void {
    this.buffer += chunk;
    let newline = this.buffer.indexOf('\n');
    while (newline !== -1) {
      this.line(this.buffer.slice(0, newline));
      this.buffer = this.buffer.slice(newline + 1);
      newline = this.buffer.indexOf('\n');
    }
    if (this.buffer.length > PULL_LINE_MAX_CHARS) this.buffer = '';
  }

  /** The stream ended: a last line may lack its newline. */
  end(): void {
    if (this.buffer !== '') this.line(this.buffer);
    this.buffer = '';
  }

  /** Ends the pull with a failure (the server's error line, the deadline, a lost connection), reported once. */
  fail(failure: PullFailure): void {
    if (this.failure !== undefined || this.succeeded) return;
    this.failure = failure;
    this.report(this.snapshot('failed', failure));
  }

  private line(text: string): void {
    if (this.failure !== undefined || this.succeeded) return;
    const parsed = parsePullLine(text);
    if (!parsed) return;
    if (parsed.kind === 'error') {
      this.fail({ reason: 'server-error', message: parsed.message });
      return;
    }
    if (parsed.digest !== undefined && parsed.total !== undefined && parsed.total > 0) {
      this.layers.set(parsed.digest, { total: parsed.total, completed: parsed.completed ?? 0 });
      this.maybeReportProgress(parsed.status);
      return;
    }
    if (parsed.status === 'success') this.succeeded = true;
    if (this.succeeded || (!this.phases.has(parsed.status) && this.phases.size < PULL_MAX_PHASE_LINES)) {
      this.phases.add(parsed.status);
      this.report(this.snapshot(parsed.status));
    }
  }

  private maybeReportProgress(status: string): void {
    const percent = this.percent;
    if (percent === undefined) return;
    const step = Math.floor(percent / PULL_PROGRESS_STEP_PERCENT);
    const heartbeat =
      this.now() - this.lastReportAt >= PULL_HEARTBEAT_MS && percent !== this.lastReportedPercent;
    if (step <= this.lastStep && !heartbeat) return;
    this.lastStep = Math.max(this.lastStep, step);
    this.report(this.snapshot(status));
  }

  private snapshot(status: string, failure?: PullFailure): PullUpdate {
    this.lastReportAt = this.now();
    const update: PullUpdate = { status };
    const percent = this.percent;
    if (percent !== undefined) {
      this.lastReportedPercent = percent;
      update.percent = percent;
      update.completedBytes = this.completedBytes;
      update.totalBytes = this.totalBytes;
    }
    if (failure !== undefined) update.failure = failure;
    return update;
  }
}

export interface PullDeps {
  /**
   * Sends POST /api/pull with this body, feeding each body chunk to onChunk. The caller bounds it: the time
   * left before the overall deadline, cancellation, and maxBodyBytes.
   */
  send(body: string, onChunk: (text: string) => void, maxBodyBytes: number): Promise<ProbeResult>;
  report(update: PullUpdate): void;
  now(): number;
  /** Milliseconds left before the overall deadline. */
  timeLeftMs(): number;
  maxStreamBytes?: number;
}

export type PullOutcome = { ok: true } | { ok: false; failure: PullFailure };

/** Pulls one model through a running Ollama server. Never throws for server or network trouble. */
export async function pullOllamaModel(model: string, deps: PullDeps): Promise<PullOutcome> {
  const tracker = new PullTracker(deps.report, deps.now);
  const body = JSON.stringify({ model, stream: true });
  for (let request = 1; ; request++) {
    const completedBefore = tracker.completedBytes;
    const result = await deps.send(
      body,
      (chunk) => tracker.push(chunk),
      deps.maxStreamBytes ?? PULL_STREAM_MAX_BYTES,
    );
    tracker.end();
    if (tracker.succeeded) return { ok: true };
    if (tracker.failure === undefined) {
      const resumable =
        result.kind === 'http' &&
        result.status === 200 &&
        result.truncated &&
        tracker.completedBytes > completedBefore &&
        deps.timeLeftMs() > 0 &&
        request < PULL_MAX_REQUESTS;
      if (resumable) continue;
      tracker.fail(whyStopped(result));
    }
    return { ok: false, failure: tracker.failure ?? { reason: 'no-success' } };
  }
}

function whyStopped(result: ProbeResult): PullFailure {
  if (result.kind === 'error') {
    if (result.code === 'TIMEOUT') return { reason: 'deadline' };
    if (result.code === 'ABORTED') return { reason: 'abandoned' };
    return { reason: 'connection', code: result.code };
  }
  if (result.status !== 200) return { reason: 'http', status: result.status, body: result.body };
  return { reason: 'no-success' };
}

/** What a failed pull says, with how far the download got when the server gave sizes. */
export function describePullFailure(
  failure: PullFailure,
  progress: { percent?: number; totalBytes?: number } = {},
): Text {
  const got =
    progress.percent !== undefined
      ? text` (${progress.percent}% of ${formatBytes(progress.totalBytes ?? 0)} downloaded)`
      : text``;
  switch (failure.reason) {
    case 'server-error':
      return text`${quote(failure.message, 300)}`;
    case 'http':
      return failure.body.trim()
        ? text`POST /api/pull answered HTTP ${failure.status}: ${quote(failure.body, 200)}`
        : text`POST /api/pull answered HTTP ${failure.status}`;
    case 'deadline':
      return text`the download did not finish before the deadline${got}`;
    case 'abandoned':
      return text`the pull was abandoned${got}`;
    case 'connection':
      return text`the connection failed during the pull: ${failure.code}${got}`;
    case 'no-success':
      return text`the pull stream ended without "success"${got}`;
  }
}

/** 1.3 GB, 387 B: decimal units, as Ollama prints sizes. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}
