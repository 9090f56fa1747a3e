import { SMOKE_BODY_MAX_BYTES } from '../../limits.js';
import { isSuccessStatus } from '../../net/probe.js';
import type { SmokeResult } from '../../types.js';
import type { EndpointSession } from '../endpoint-session.js';

/** `smoke`: a 1-token completion per required model (else the first served), stopping at the first failure. */
export async function smokeTestModels(session: EndpointSession): Promise<SmokeResult[]> {
  const targets =
    session.requiredModels.length > 0 ? session.requiredModels : (session.served ?? []).slice(0, 1);
  const results: SmokeResult[] = [];
  for (const model of targets) {
    const result = await smokeTestModel(session, model);
    results.push(result);
    if (!result.ok) break;
  }
  return results;
}

async function smokeTestModel(session: EndpointSession, model: string): Promise<SmokeResult> {
  const started = session.run.now();
  // The first completion may load the model lazily (Ollama, LocalAI), so it may use the time left rather
  // than request-timeout; the overall deadline still bounds it.
  const remaining = Math.max(1, session.timeLeftMs());
  const res = await session.call('smoke', '/v1/chat/completions', {
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
    endOfBody: smokeStreamEnd(),
  });
  res.evidence.model = model;
  const totalMs = Math.round(session.run.now() - started);
  const r = res.result;
  if (r.kind !== 'http' || !isSuccessStatus(r.status)) return { model, ok: false, totalMs };
  const completion = completionText(r.body);
  if (completion === undefined) {
    res.evidence.problem = 'the answer holds no completion (no "choices")';
    return { model, ok: false, totalMs };
  }
  const out: SmokeResult = { model, ok: true, totalMs, text: completion };
  if (r.firstChunkMs !== undefined) out.ttftMs = r.firstChunkMs;
  return out;
}

/**
 * Watches a completion's event stream for its end: `data: [DONE]`, or a choice with a finish_reason (servers
 * that never send [DONE]). Some keep the connection open after it, so the stream's end is not the body's.
 */
export function smokeStreamEnd(): (chunk: string) => boolean {
  let partial = '';
  return (chunk) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    // Only an event's line matters; a line longer than the whole body bound is not one we can judge.
    if (partial.length > SMOKE_BODY_MAX_BYTES) partial = '';
    return lines.some(isLastEvent);
  };
}

function isLastEvent(line: string): boolean {
  const m = /^data:\s*(.*)$/.exec(line.trim());
  if (!m) return false;
  if (m[1] === '[DONE]') return true;
  try {
    const choices = (JSON.parse(m[1]!) as { choices?: unknown })?.choices;
    return (
      Array.isArray(choices) && choices.some((c) => (c as { finish_reason?: unknown })?.finish_reason != null)
    );
  } catch {
    return false;
  }
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
