import type { ServerKind } from '../causes.js';
import type { Config } from '../config/schema.js';
import type { EndpointSpec } from '../config/endpoints.js';
import { isLoopbackHost } from '../net/hosts.js';
import { nextDelayMs } from './backoff.js';
import { classifyAttempt, settle, type DiagnoseContext } from '../diagnose/index.js';
import {
  EVIDENCE_BODY_CHARS,
  HEADER_EVIDENCE_MAX_CHARS,
  BUSY_PORT_SURVIVAL_MS,
  FATAL_LINE_EXIT_WAIT_MS,
  MODEL_LIST_MAX_BYTES,
  MODELS_EVIDENCE_MAX_IDS,
  SMALL_BODY_MAX_BYTES,
  REQUEST_TIMEOUT_FLOOR_MS,
  SMOKE_BODY_MAX_BYTES,
  TIMELINE_MAX_EVIDENCE,
  VERSION_REQUEST_TIMEOUT_MS,
} from '../limits.js';
import { isServed, parseModelList } from '../models.js';
import { pullOllamaModel } from '../servers/ollama-pull.js';
import {
  BACKEND_HEALTH_MAX_BYTES,
  BACKEND_HEALTH_PATH,
  readBackendHealth,
} from '../servers/litellm-backends.js';
import { createProber, type Prober, type ProbeRequest } from '../net/probe.js';
import { proxyWarnings } from '../net/proxy-env.js';
import { detectServer, PROFILES, type ServerProfile } from '../servers/index.js';
import type { EvidenceSources } from '../evidence/sources.js';
import type {
  EndpointResult,
  Evidence,
  Finding,
  PreflightResult,
  ProbeResult,
  SmokeResult,
  Stage,
} from '../types.js';
import { Waker } from './waker.js';
import { keepChars, ours, text } from '../text.js';

export interface Progress {
  endpoint: string;
  evidence: Evidence;
}

export interface PreflightDeps {
  env: Record<string, string | undefined>;
  /** Aborts the wait (job cancelled, Ctrl-C). */
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
  /** Started by the entry point (supervise.ts): logs, process exits and container states as evidence. */
  sources?: EvidenceSources;
  /** Milliseconds on a monotonic clock. */
  now?: () => number;
  /** host:port of endpoints that already accepted connections before `start` ran. */
  busyBeforeStart?: string[];
}

/** Runs the whole preflight under one deadline and returns a result; never throws for server trouble. */
export async function preflight(config: Config, deps: PreflightDeps): Promise<PreflightResult> {
  const now = deps.now ?? (() => performance.now());
  const startedAt = now();
  const deadline = startedAt + config.timeoutMs;
  const waker = new Waker();
  const prober = createProber(deps.env, isLoopbackHost);
  const shared: Evidence[] = [];
  for (const hostPort of deps.busyBeforeStart ?? []) {
    shared.push({
      kind: 'note',
      atMs: 0,
      text: text`${hostPort} already accepted connections before the start command ran: another process (often a server from an earlier step) holds the port.`,
    });
  }
  const unsubscribe = deps.sources?.subscribe(
    (ev) => {
      shared.push(ev);
      if (
        ev.kind === 'exit' ||
        ev.kind === 'cancelled' ||
        ev.kind === 'note' ||
        (ev.kind === 'log' && ev.fatal) ||
        ev.kind === 'container'
      )
        waker.wake();
    },
    () => waker.wake(),
  );
  const onAbort = () => {
    shared.push({
      kind: 'cancelled',
      atMs: Math.round(now() - startedAt),
      signal: String(deps.signal?.reason ?? 'SIGINT'),
    });
    waker.wake();
  };
  // A signal that came before we started (during parsing or start-up) sends no event: act on it now.
  if (deps.signal?.aborted) onAbort();
  else deps.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const endpoints = await Promise.all(
      config.endpoints.map((endpoint) =>
        checkEndpoint(endpoint, config, { ...deps, now, startedAt, deadline, waker, prober, shared }),
      ),
    );
    const failed = endpoints.find((e) => !e.ready);
    const result: PreflightResult = {
      ready: !failed,
      endpoints,
      elapsedMs: Math.round(now() - startedAt),
      warnings: proxyWarnings(config.endpoints, deps.env),
    };
    if (failed?.finding) result.finding = failed.finding;
    return result;
  } finally {
    deps.signal?.removeEventListener('abort', onAbort);
    unsubscribe?.();
    await prober.close();
  }
}

interface RunContext extends PreflightDeps {
  now: () => number;
  startedAt: number;
  deadline: number;
  waker: Waker;
  prober: Prober;
  /** Evidence from the supervisor, shared by all endpoints. */
  shared: Evidence[];
}

async function checkEndpoint(
  endpoint: EndpointSpec,
  config: Config,
  run: RunContext,
): Promise<EndpointResult> {
  const own: Evidence[] = [];
  const at = () => Math.round(run.now() - run.startedAt);
  let kind: ServerKind | undefined = config.server === 'auto' ? undefined : config.server;
  let detectTried = false;
  let served: string[] | undefined;
  const requiredModels = endpoint.models.length > 0 ? endpoint.models : config.models;

  const record = (ev: Evidence) => {
    // Bounded: a long wait keeps the first attempts (how it started) and the most recent ones.
    if (own.length >= TIMELINE_MAX_EVIDENCE) own.splice(TIMELINE_MAX_EVIDENCE / 2, 1);
    own.push(ev);
    run.onProgress?.({ endpoint: endpoint.apiBase, evidence: ev });
  };

  const headers = (): Record<string, string> => {
    if (config.apiKey) return { authorization: `Bearer ${config.apiKey}` };
    if (endpoint.basicAuth) return { authorization: `Basic ${endpoint.basicAuth}` };
    return {};
  };

  const call = async (
    stage: Stage,
    path: string,
    options: Partial<ProbeRequest> & { maxBodyBytes: number; apiPath?: boolean },
  ): Promise<{ result: ProbeResult; json?: unknown; evidence: Extract<Evidence, { kind: 'attempt' }> }> => {
    const url = `${endpoint.root}${path}${endpoint.query}`;
    const remaining = run.deadline - run.now();
    const wantedMs = options.timeoutMs ?? config.requestTimeoutMs;
    // The last try at the deadline still gets the floor: a 1 ms request proves nothing either way.
    const timeoutMs = Math.max(1, Math.min(wantedMs, Math.max(remaining, REQUEST_TIMEOUT_FLOOR_MS)));
    // A poll cut short by the overall deadline says nothing about the server: diagnosis must not read its
    // timeout as "no response" when the attempts before it saw a 503 or a 500.
    const cutByDeadline = options.timeoutMs === undefined && timeoutMs < config.requestTimeoutMs;
    const probed = await run.prober.probe({
      method: options.method ?? 'GET',
      url,
      headers: { ...headers(), ...(options.body ? { 'content-type': 'application/json' } : {}) },
      timeoutMs,
      maxBodyBytes: options.maxBodyBytes,
      ...(options.body !== undefined ? { body: options.body } : {}),
      ...(options.onChunk ? { onChunk: options.onChunk } : {}),
      ...(run.signal ? { signal: run.signal } : {}),
    });
    const raw: ProbeResult =
      cutByDeadline && probed.kind === 'error' && probed.code === 'TIMEOUT'
        ? { ...probed, code: 'DEADLINE', message: 'cut off by the overall deadline' }
        : probed;
    let json: unknown;
    if (raw.kind === 'http' && !raw.truncated) {
      try {
        json = JSON.parse(raw.body);
      } catch {
        json = undefined;
      }
    }
    // The timeline keeps what the server said raw, within bounds: the edge redacts it (report/present.ts).
    const kept: ProbeResult =
      raw.kind === 'http'
        ? { ...raw, body: keepChars(raw.body, EVIDENCE_BODY_CHARS), headers: pickHeaders(raw.headers) }
        : raw;
    const evidence: Extract<Evidence, { kind: 'attempt' }> = {
      kind: 'attempt',
      atMs: at(),
      stage,
      method: options.method ?? 'GET',
      url: `${endpoint.root}${path}`,
      result: kept,
    };
    record(evidence);
    return json === undefined ? { result: raw, evidence } : { result: raw, json, evidence };
  };

  const context = (deadlineReached: boolean): DiagnoseContext => {
    const ctx: DiagnoseContext = {
      host: endpoint.host,
      port: endpoint.port,
      root: endpoint.root,
      kind,
      requiredModels,
      apiKeyGiven: Boolean(config.apiKey || endpoint.basicAuth),
      deadlineReached,
      timeoutMs: config.timeoutMs,
      watchingLogs: Boolean(config.start || config.container || config.logFile),
    };
    if (served) ctx.served = served;
    return ctx;
  };

  const timeline = () => mergeByTime(run.shared, own);

  /** One attempt: every stage in order, stopping at the first that is not ready. Returns true when ready. */
  const attempt = async (): Promise<boolean> => {
    const profile: ServerProfile | undefined = kind ? PROFILES[kind] : undefined;
    if (profile?.healthPath && !(await healthPasses(profile))) return false;
    const list = await call('models', '/v1/models', { maxBodyBytes: MODEL_LIST_MAX_BYTES });
    const r = list.result;
    if (r.kind !== 'http') return false;
    if (!kind) {
      // Fingerprints read the entries of a well-formed list only: `[{"id": 42}]` has no owned_by, but that
      // does not make it LocalAI. Headers (llama.cpp's Server) count whatever the body.
      const wellFormed = list.json !== undefined && parseModelList(list.json).ok;
      kind = detectServer({ status: r.status, headers: r.headers, json: wellFormed ? list.json : undefined });
      if (!kind && r.status === 200 && !detectTried) {
        detectTried = true;
        kind = await detectFromRoot();
      }
    }
    if (r.status !== 200) return false;
    if (list.json === undefined) {
      if (!r.truncated) list.evidence.problem = 'the model list is not JSON';
      return false;
    }
    const parsed = parseModelList(list.json);
    if (!parsed.ok) {
      list.evidence.problem = parsed.problem;
      return false;
    }
    // Raw ids: a required model is matched against what the server really serves. (Redacting first turned a
    // ready server into model-not-found whenever the api-key was part of a model id.)
    served = parsed.ids;
    // A well-formed model list with no known fingerprint is still an OpenAI-compatible server: say so rather
    // than "unknown" (an empty list carries no fingerprint, so it proves nothing either way).
    if (!kind && served.length > 0) kind = 'openai';
    record({ kind: 'models', atMs: at(), served: served.slice(0, MODELS_EVIDENCE_MAX_IDS) });
    // Detected only now (auto mode): the kind's own readiness check must pass too (SGLang warmup, LocalAI preload).
    const detected: ServerProfile | undefined = kind ? PROFILES[kind] : undefined;
    if (config.server === 'auto' && detected?.healthPath && detected !== profile) {
      if (!(await healthPasses(detected))) return false;
    }
    return true;
  };

  const healthPasses = async (profile: ServerProfile): Promise<boolean> => {
    const health = await call('health', profile.healthPath!, { maxBodyBytes: SMALL_BODY_MAX_BYTES });
    const r = health.result;
    // In auto mode the kind is a guess from a fingerprint. A server without the kind's health route is some
    // other OpenAI-compatible server that looks alike (owned_by "openai", entries without owned_by): its
    // model list is the readiness check, as for any such server. A forced kind gets no such benefit of doubt.
    if (config.server === 'auto' && r.kind === 'http' && (r.status === 404 || r.status === 405)) {
      kind = 'openai';
      return true;
    }
    return healthReady(r, profile);
  };

  /**
   * A fatal log line usually comes a moment before the started server exits. Waiting briefly for that exit
   * (the waker ends the wait the instant it happens) lets the report carry the exit code too.
   */
  async function awaitExitAfterFatalLine(found: Finding): Promise<boolean> {
    const fromLog = found.evidence[0]?.kind === 'log';
    const hasExit = () => run.shared.some((e) => e.kind === 'exit');
    if (!fromLog || run.sources?.startedPid === undefined || hasExit()) return false;
    const until = Math.min(run.deadline, run.now() + FATAL_LINE_EXIT_WAIT_MS);
    while (!hasExit() && run.now() < until && !run.signal?.aborted) {
      await run.waker.sleep(Math.max(1, Math.round(until - run.now())), run.signal);
    }
    return hasExit();
  }

  /** A model list with no fingerprint: GET / tells Ollama ("Ollama is running") and llama.cpp (Server header). */
  const detectFromRoot = async (): Promise<ServerKind | undefined> => {
    const root = await call('detect', '/', { maxBodyBytes: SMALL_BODY_MAX_BYTES });
    if (root.result.kind !== 'http') return undefined;
    if (/Ollama is running/.test(root.result.body)) return 'ollama';
    if (root.result.headers.server === 'llama.cpp') return 'llamacpp';
    return undefined;
  };

  /** `pull`: each missing model once, through Ollama's pull stream, within the time left. */
  const pulled = new Set<string>();
  const pullMissing = async (): Promise<'pulled' | 'failed' | 'nothing'> => {
    if (!config.pull || kind !== 'ollama') return 'nothing';
    const missing = requiredModels.filter((m) => !isServed(m, served ?? []) && !pulled.has(m));
    for (const model of missing) {
      pulled.add(model);
      const outcome = await pullOllamaModel(model, {
        send: async (body, onChunk, maxBodyBytes) =>
          (
            await call('pull', '/api/pull', {
              method: 'POST',
              body,
              onChunk,
              maxBodyBytes,
              timeoutMs: run.deadline - run.now(),
            })
          ).result,
        report: (u) =>
          record({
            kind: 'pull',
            atMs: at(),
            model,
            ...u,
          }),
        now: run.now,
        timeLeftMs: () => run.deadline - run.now(),
      });
      if (!outcome.ok) return 'failed';
    }
    return missing.length > 0 ? 'pulled' : 'nothing';
  };

  let ready = false;
  let finding;
  let lastRefused = false;
  for (;;) {
    ready = await attempt();
    const busyBeforeStart = run.busyBeforeStart?.includes(`${endpoint.host}:${endpoint.port}`) ?? false;
    const survivalLeftMs = run.startedAt + BUSY_PORT_SURVIVAL_MS - run.now();
    if (ready && busyBeforeStart && survivalLeftMs > 0 && !run.shared.some((e) => e.kind === 'exit')) {
      // What answers may be the older server: believe it only once ours has outlived a failed bind.
      await run.waker.sleep(
        Math.min(Math.ceil(survivalLeftMs), Math.max(1, Math.round(run.deadline - run.now()))),
        run.signal,
      );
      if (!run.signal?.aborted && run.now() < run.deadline) continue;
    }
    if (ready && run.sources?.startedPid !== undefined && run.shared.some((e) => e.kind === 'exit')) {
      // Something answers, but the server we started has died (typically port-in-use: an older server from an
      // earlier step holds the port). The job's tests would talk to that stranger, so this is not ready.
      finding = settle(timeline(), context(false));
      ready = false;
      break;
    }
    if (ready) {
      const settledModels = settle(timeline(), context(false));
      if (
        settledModels &&
        (settledModels.cause === 'model-not-found' || settledModels.cause === 'no-models')
      ) {
        const pull = await pullMissing();
        // Pulled: list again, so the model list (not our word) says the model is there.
        if (pull === 'pulled') continue;
        finding = pull === 'failed' ? settle(timeline(), context(false)) : settledModels;
        ready = false;
      }
      break;
    }
    const remaining = run.deadline - run.now();
    finding = settle(timeline(), context(remaining <= 0));
    if (finding && (await awaitExitAfterFatalLine(finding)))
      finding = settle(timeline(), context(remaining <= 0));
    if (finding) break;
    const lastAttempt = own.findLast((e) => e.kind === 'attempt');
    lastRefused =
      lastAttempt?.kind === 'attempt' && classifyAttempt(lastAttempt)?.cause === 'connection-refused';
    const delay = nextDelayMs(run.now() - run.startedAt, remaining, lastRefused);
    if (delay === 'stop') {
      finding = settle(timeline(), context(true));
      break;
    }
    await run.waker.sleep(delay, run.signal);
    if (run.signal?.aborted) {
      finding = settle(timeline(), context(true));
      break;
    }
  }

  // `deep`: LiteLLM's /health calls every backend, so it is asked once, only on request, within the time left.
  if (ready && config.deep && kind === 'litellm') {
    const health = await call('backends', BACKEND_HEALTH_PATH, {
      maxBodyBytes: BACKEND_HEALTH_MAX_BYTES,
      timeoutMs: run.deadline - run.now(),
    });
    const verdict = readBackendHealth(health.result, health.json);
    if (verdict.kind === 'malformed') health.evidence.problem = verdict.problem;
    if (verdict.kind === 'report') {
      for (const b of verdict.backends)
        record({
          kind: 'backend',
          atMs: at(),
          model: b.model,
          healthy: b.healthy,
          ...(b.error !== undefined ? { error: b.error } : {}),
        });
      if (verdict.omitted > 0)
        record({ kind: 'note', atMs: at(), text: text`${verdict.omitted} more backends not shown` });
    }
    if (verdict.kind !== 'report' || verdict.backends.some((b) => !b.healthy)) {
      ready = false;
      finding = settle(timeline(), context(true));
    }
  }

  const smoke: SmokeResult[] = [];
  if (ready && config.smoke) {
    const targets = requiredModels.length > 0 ? requiredModels : (served ?? []).slice(0, 1);
    for (const model of targets) {
      const result = await runSmoke(model);
      smoke.push(result);
      if (!result.ok) {
        ready = false;
        finding = settle(timeline(), context(false));
        break;
      }
    }
  }

  let serverVersion: string | undefined;
  if (ready && kind && PROFILES[kind].version) {
    const v = PROFILES[kind].version!;
    const res = await call('version', v.path, {
      maxBodyBytes: SMALL_BODY_MAX_BYTES,
      timeoutMs: Math.min(VERSION_REQUEST_TIMEOUT_MS, config.requestTimeoutMs),
    });
    if (res.json !== undefined) serverVersion = v.read(res.json);
  }

  const result: EndpointResult = {
    baseUrl: endpoint.apiBase,
    ready,
    server: kind ?? 'unknown',
    models: served ?? [],
    smoke,
    elapsedMs: at(),
    timeline: timeline(),
  };
  if (serverVersion) result.serverVersion = serverVersion;
  if (!ready && finding) result.finding = finding;
  if (!ready && !finding) {
    result.finding = settle(timeline(), context(true)) ?? {
      cause: 'no-response',
      summary: text`No verdict for ${endpoint.root} within the deadline.`,
      hint: ours('Raise timeout.'),
      evidence: [],
    };
  }
  return result;

  async function runSmoke(model: string): Promise<SmokeResult> {
    const started = run.now();
    // The first completion may load the model lazily (Ollama, LocalAI), so it may use the time left rather
    // than request-timeout; the overall deadline still bounds it.
    const remaining = Math.max(1, run.deadline - run.now());
    const res = await call('smoke', '/v1/chat/completions', {
      method: 'POST',
      body: JSON.stringify({
        model,
        messages: [{ role: 'user', content: 'Say OK.' }],
        max_tokens: 1,
        temperature: 0,
        stream: true,
      }),
      maxBodyBytes: SMOKE_BODY_MAX_BYTES,
      timeoutMs: remaining,
    });
    res.evidence.model = model;
    const totalMs = Math.round(run.now() - started);
    const r = res.result;
    if (r.kind !== 'http' || r.status < 200 || r.status >= 300) return { model, ok: false, totalMs };
    const completion = completionText(r.body);
    if (completion === undefined) {
      res.evidence.problem = 'the answer holds no completion (no "choices")';
      return { model, ok: false, totalMs };
    }
    const out: SmokeResult = { model, ok: true, totalMs, text: completion };
    if (r.firstChunkMs !== undefined) out.ttftMs = r.firstChunkMs;
    return out;
  }
}

function healthReady(result: ProbeResult, profile: ServerProfile): boolean {
  if (result.kind !== 'http' || result.status !== 200) return false;
  // Ollama's health route is its root page; anything else answering there is not Ollama.
  if (profile.kind === 'ollama') return /Ollama is running/.test(result.body);
  return true;
}

/** The generated text of a streamed (SSE) or plain chat completion, or undefined when there is none. */
export function completionText(body: string): string | undefined {
  const pieces: string[] = [];
  let sawChoice = false;
  const take = (json: unknown) => {
    const choices = (json as { choices?: unknown })?.choices;
    if (!Array.isArray(choices)) return;
    for (const choice of choices) {
      sawChoice = true;
      const c = choice as { delta?: { content?: unknown }; message?: { content?: unknown }; text?: unknown };
      const content = c.delta?.content ?? c.message?.content ?? c.text;
      if (typeof content === 'string') pieces.push(content);
    }
  };
  if (/^\s*data:/m.test(body)) {
    for (const line of body.split('\n')) {
      const m = /^data:\s*(.*)$/.exec(line.trim());
      if (!m || m[1] === '[DONE]') continue;
      try {
        take(JSON.parse(m[1]!));
      } catch {
        // A line cut by the body bound; the others still count.
      }
    }
  } else {
    try {
      take(JSON.parse(body));
    } catch {
      return undefined;
    }
  }
  return sawChoice ? pieces.join('') : undefined;
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

function mergeByTime(a: readonly Evidence[], b: readonly Evidence[]): Evidence[] {
  return [...a, ...b].sort((x, y) => x.atMs - y.atMs);
}
