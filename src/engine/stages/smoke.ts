import { SMOKE_BODY_MAX_BYTES } from '../../limits.js';
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
  });
  res.evidence.model = model;
  const totalMs = Math.round(session.run.now() - started);
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
