import { isServed } from '../../models.js';
import { pullOllamaModel, type PullDeps } from '../../servers/ollama-pull.js';
import type { EndpointSession } from '../endpoint-session.js';

export type PullOutcome = 'pulled' | 'failed' | 'nothing';

/** `pull`: each missing model once, through Ollama's pull stream, within the time left. */
export async function pullMissingModels(session: EndpointSession): Promise<PullOutcome> {
  if (!session.config.pull || session.kind !== 'ollama') return 'nothing';
  const missing = session.requiredModels.filter(
    (m) => !isServed(m, session.served ?? []) && !session.pulled.has(m),
  );
  for (const model of missing) {
    session.pulled.add(model);
    const outcome = await pullOllamaModel(model, pullThrough(session, model));
    if (!outcome.ok) return 'failed';
  }
  return missing.length > 0 ? 'pulled' : 'nothing';
}

/** The pull's requests go through the session, so they are bounded and recorded like every other. */
function pullThrough(session: EndpointSession, model: string): PullDeps {
  return {
    send: async (body, onChunk, maxBodyBytes) =>
      (
        await session.call('pull', '/api/pull', {
          method: 'POST',
          body,
          onChunk,
          maxBodyBytes,
          timeoutMs: session.timeLeftMs(),
        })
      ).result,
    report: (u) => session.record({ kind: 'pull', atMs: session.at(), model, ...u }),
    now: session.run.now,
    timeLeftMs: () => session.timeLeftMs(),
  };
}
