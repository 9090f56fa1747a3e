import { formatDuration } from '../../config/duration.js';
import { closestModel, isServed } from '../../models.js';
import { joinText, ours, text, type Text } from '../../text.js';
import type { Evidence } from '../../types.js';
import type { AttemptEvidence, DiagnoseContext } from '../context.js';
import { finding, type FindingOf } from '../finding.js';
import type { Explainers, Scene } from './scene.js';

type ModelsEvidence = Extract<Evidence, { kind: 'models' }>;

/** A model list was read: it lists nothing, or not every model the job needs. */
export function judgeModels(
  models: ModelsEvidence,
  ctx: DiagnoseContext,
): FindingOf<'no-models' | 'model-not-found'> | undefined {
  // The evidence keeps only the first ids (it is printed); the whole list decides what is served.
  const served = ctx.served ?? models.served;
  if (served.length === 0) return noModels(models, ctx);
  const missing = ctx.requiredModels.filter((m) => !isServed(m, served));
  return missing.length === 0 ? undefined : modelNotFound(models, ctx, served, missing);
}

function noModels(models: ModelsEvidence, ctx: DiagnoseContext): FindingOf<'no-models'> {
  return finding(
    'no-models',
    text`${ctx.root} is up but lists no models.`,
    ctx.kind === 'ollama'
      ? ours(
          'Pull the model before the preflight (ollama pull <model>, or pull: true), then list it in model.',
        )
      : ours(
          'Start the server with a model (and check --served-model-name), or wait for the model to be loaded.',
        ),
    [models],
  );
}

function modelNotFound(
  models: ModelsEvidence,
  ctx: DiagnoseContext,
  served: readonly string[],
  missing: readonly string[],
): FindingOf<'model-not-found'> {
  const shown = text`${served.slice(0, 10).join(', ')}${served.length > 10 ? text`, … (${served.length} in all)` : text``}`;
  const hints = missing.map((m) => {
    const close = closestModel(m, served);
    return close ? text`"${m}" is not served; did you mean "${close}"?` : text`"${m}" is not served.`;
  });
  const pullHint =
    ctx.kind === 'ollama' ? ours(' For Ollama, pull it first (ollama pull, or pull: true).') : text``;
  return finding(
    'model-not-found',
    text`${joinText(hints, ' ')} The server lists: ${shown}.`,
    text`Set model to an id from the list above (ids are exact, case-sensitive), or start the server with that model (vLLM/SGLang: --served-model-name).${pullHint}`,
    [models],
  );
}

function modelOf(ev: AttemptEvidence): Text {
  return ev.model ? text`"${ev.model}"` : ours('the model');
}

function smokeFailed({ ev, r, status, excerpt, withLogs }: Scene): FindingOf<'smoke-failed'> {
  // Only a completion that never finished is classified smoke-failed without an HTTP answer (classify.ts).
  if (r.kind === 'error')
    return finding(
      'smoke-failed',
      text`The 1-token test completion for ${modelOf(ev)} was accepted but not finished within ${ours(formatDuration(r.durationMs))} (the time left before the deadline).`,
      ours(
        'The server lists the model but does not generate: a model still loading on first use, or a stuck engine; its log says which. Raise timeout, or disable smoke to only check the listing.',
      ),
      withLogs([ev]),
    );
  return finding(
    'smoke-failed',
    text`The 1-token test completion for ${modelOf(ev)} failed: ${ev.problem ? text`${ev.problem}, ` : text``}${status}${excerpt}.`,
    ours(
      'The server lists the model but cannot run it: its log says why (memory, a backend error). Disable smoke to only check the listing.',
    ),
    withLogs([ev]),
  );
}

export const MODEL_EXPLAINERS: Explainers<'smoke-failed'> = { 'smoke-failed': smokeFailed };
