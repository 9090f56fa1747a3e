/**
 * LiteLLM's per-backend health (docs/servers.md §3). GET /health needs the key, makes a real call to
 * every deployment in the proxy's model list, and answers 200 even when every backend is down:
 * `{"healthy_endpoints":[…],"unhealthy_endpoints":[{"model":…,"error":…},…],"healthy_count":n,"unhealthy_count":m}`.
 * Each entry is the deployment's litellm_params with secrets removed: `model` is the backend model
 * ("openai/Qwen/Qwen2.5-0.5B-Instruct"), `api_base` is shown to admins.
 */
import type { ProbeResult } from '../types.js';

export const BACKEND_HEALTH_PATH = '/health';
/** Each entry is a few hundred bytes: this holds thousands of deployments, and no runaway body. */
export const BACKEND_HEALTH_MAX_BYTES = 2 * 1024 * 1024;
/** Backends recorded as evidence; unhealthy ones first, so the ones that matter are never cut. */
export const BACKENDS_RECORDED_MAX = 50;
/** LiteLLM appends a Python traceback to each error; the first lines say what failed. */
export const BACKEND_ERROR_MAX_CHARS = 300;

export interface BackendHealth {
  /** The backend model, with its api_base when the proxy shows it. */
  model: string;
  healthy: boolean;
  error?: string;
}

export type BackendHealthParse =
  | { ok: true; backends: BackendHealth[]; healthyCount: number; unhealthyCount: number }
  | { ok: false; problem: string };

export function parseBackendHealth(json: unknown): BackendHealthParse {
  if (!json || typeof json !== 'object' || Array.isArray(json))
    return { ok: false, problem: 'the /health answer is not a JSON object' };
  const o = json as Record<string, unknown>;
  const healthy = o.healthy_endpoints ?? [];
  const unhealthy = o.unhealthy_endpoints ?? [];
  const listed = 'healthy_endpoints' in o || 'unhealthy_endpoints' in o;
  if (!listed || !Array.isArray(healthy) || !Array.isArray(unhealthy))
    return { ok: false, problem: 'the /health answer has no healthy_endpoints/unhealthy_endpoints lists' };
  const backends: BackendHealth[] = [
    ...unhealthy.map((entry) => {
      const b: BackendHealth = { model: backendName(entry), healthy: false };
      b.error = cleanBackendError(entryError(entry));
      return b;
    }),
    ...healthy.map((entry): BackendHealth => ({ model: backendName(entry), healthy: true })),
  ];
  const count = (value: unknown, fallback: number) =>
    typeof value === 'number' && Number.isFinite(value) ? value : fallback;
  return {
    ok: true,
    backends,
    healthyCount: count(o.healthy_count, healthy.length),
    unhealthyCount: count(o.unhealthy_count, unhealthy.length),
  };
}

/** What a request to /health says about the backends, or why it says nothing. */
export type BackendHealthVerdict =
  | { kind: 'report'; backends: BackendHealth[]; omitted: number }
  /** 200, but not the expected shape: shown as a malformed answer. */
  | { kind: 'malformed'; problem: string }
  /** The request itself failed (refused, 401, 500, timeout): the attempt's own classification explains it. */
  | { kind: 'no-answer' };

export function readBackendHealth(result: ProbeResult, json: unknown): BackendHealthVerdict {
  if (result.kind !== 'http' || result.status !== 200) return { kind: 'no-answer' };
  if (result.truncated)
    return { kind: 'malformed', problem: 'the /health answer is larger than the size bound' };
  const parsed = parseBackendHealth(json);
  if (!parsed.ok) return { kind: 'malformed', problem: parsed.problem };
  // Unhealthy entries come first, so the bound never hides one of those behind healthy ones.
  const kept = parsed.backends.slice(0, BACKENDS_RECORDED_MAX);
  return { kind: 'report', backends: kept, omitted: parsed.backends.length - kept.length };
}

function backendName(entry: unknown): string {
  if (!entry || typeof entry !== 'object') return String(entry).slice(0, 200);
  const e = entry as Record<string, unknown>;
  const model =
    typeof e.model === 'string' ? e.model : typeof e.model_name === 'string' ? e.model_name : '(unnamed)';
  const base = typeof e.api_base === 'string' && e.api_base !== '' ? ` at ${e.api_base}` : '';
  return (model + base).slice(0, 300);
}

function entryError(entry: unknown): string {
  if (!entry || typeof entry !== 'object') return '';
  const error = (entry as Record<string, unknown>).error;
  if (typeof error === 'string') return error;
  if (error && typeof error === 'object') return JSON.stringify(error);
  return '';
}

/** The first lines of LiteLLM's error, without the "stack trace:" it appends. */
export function cleanBackendError(text: string): string {
  const cut = text.split(/\n?\s*stack trace:/i)[0] ?? '';
  const flat = cut.replace(/\s+/g, ' ').trim();
  if (flat === '') return 'no error message';
  return flat.length > BACKEND_ERROR_MAX_CHARS ? flat.slice(0, BACKEND_ERROR_MAX_CHARS - 1) + '…' : flat;
}
