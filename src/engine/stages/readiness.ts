import type { ServerKind } from '../../causes.js';
import { MODEL_LIST_MAX_BYTES, MODELS_EVIDENCE_MAX_IDS, SMALL_BODY_MAX_BYTES } from '../../limits.js';
import { parseModelList } from '../../models.js';
import { isSuccessStatus } from '../../net/probe.js';
import { detectServer, PROFILES, type ServerProfile } from '../../servers/index.js';
import type { ProbeResult } from '../../types.js';
import type { CallAnswer, EndpointSession } from '../endpoint-session.js';
import { startVersionRead } from './version.js';

/** One attempt: every stage in order, stopping at the first that is not ready. Returns true when ready. */
export async function attemptReadiness(session: EndpointSession): Promise<boolean> {
  const profile = profileOf(session.kind);
  if (profile?.healthPath && !(await healthPasses(session, profile))) return false;
  const list = await session.call('models', '/v1/models', { maxBodyBytes: MODEL_LIST_MAX_BYTES });
  const r = list.result;
  if (r.kind !== 'http') return false;
  if (!session.kind) await detectKind(session, list);
  if (!isSuccessStatus(r.status)) return false;
  if (!readServedModels(session, list)) return false;
  // Detected only now (auto mode): the kind's own readiness check must pass too (SGLang warmup, LocalAI preload).
  const detected = profileOf(session.kind);
  if (session.config.server === 'auto' && detected?.healthPath && detected !== profile) {
    // The model list is in: the kind's health route is the last check, and the version is read beside it.
    startVersionRead(session);
    if (!(await healthPasses(session, detected))) return false;
  }
  return true;
}

function profileOf(kind: ServerKind | undefined): ServerProfile | undefined {
  return kind ? PROFILES[kind] : undefined;
}

/** Auto mode: the kind from the model list's fingerprint, else (once) from GET /. */
async function detectKind(session: EndpointSession, list: CallAnswer): Promise<void> {
  const r = list.result;
  if (r.kind !== 'http') return;
  // Fingerprints read the entries of a well-formed list only: `[{"id": 42}]` has no owned_by, but that
  // does not make it LocalAI. Headers (llama.cpp's Server) count whatever the body.
  const wellFormed = list.json !== undefined && parseModelList(list.json).ok;
  session.kind = detectServer({
    status: r.status,
    headers: r.headers,
    json: wellFormed ? list.json : undefined,
  });
  if (!session.kind && isSuccessStatus(r.status) && !session.rootDetectionTried) {
    session.rootDetectionTried = true;
    session.kind = await detectFromRoot(session);
  }
}

/** A 2xx model list: its ids become the served models when it is well-formed. True when it is. */
function readServedModels(session: EndpointSession, list: CallAnswer): boolean {
  if (list.json === undefined) {
    if (list.result.kind === 'http' && !list.result.truncated)
      list.evidence.problem = 'the model list is not JSON';
    return false;
  }
  const parsed = parseModelList(list.json);
  if (!parsed.ok) {
    list.evidence.problem = parsed.problem;
    return false;
  }
  // Raw ids: a required model is matched against what the server really serves. (Redacting first turned a
  // ready server into model-not-found whenever the api-key was part of a model id.)
  session.served = parsed.ids;
  // A well-formed model list with no known fingerprint is still an OpenAI-compatible server: say so rather
  // than "unknown" (an empty list carries no fingerprint, so it proves nothing either way).
  if (!session.kind && session.served.length > 0) session.kind = 'openai';
  session.record({
    kind: 'models',
    atMs: session.at(),
    served: session.served.slice(0, MODELS_EVIDENCE_MAX_IDS),
  });
  return true;
}

async function healthPasses(session: EndpointSession, profile: ServerProfile): Promise<boolean> {
  const health = await session.call('health', profile.healthPath!, { maxBodyBytes: SMALL_BODY_MAX_BYTES });
  const r = health.result;
  // In auto mode the kind is a guess from a fingerprint. A server without the kind's health route is some
  // other OpenAI-compatible server that looks alike (owned_by "openai", entries without owned_by): its
  // model list is the readiness check, as for any such server. A forced kind gets no such benefit of doubt.
  if (session.config.server === 'auto' && r.kind === 'http' && (r.status === 404 || r.status === 405)) {
    session.kind = 'openai';
    return true;
  }
  return healthReady(r, profile);
}

function healthReady(result: ProbeResult, profile: ServerProfile): boolean {
  if (result.kind !== 'http' || !isSuccessStatus(result.status)) return false;
  // Ollama's health route is its root page; anything else answering there is not Ollama.
  if (profile.kind === 'ollama') return /Ollama is running/.test(result.body);
  return true;
}

/** A model list with no fingerprint: GET / tells Ollama ("Ollama is running") and llama.cpp (Server header). */
async function detectFromRoot(session: EndpointSession): Promise<ServerKind | undefined> {
  const root = await session.call('detect', '/', { maxBodyBytes: SMALL_BODY_MAX_BYTES });
  if (root.result.kind !== 'http') return undefined;
  if (/Ollama is running/.test(root.result.body)) return 'ollama';
  if (root.result.headers.server === 'llama.cpp') return 'llamacpp';
  return undefined;
}
