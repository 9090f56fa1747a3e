import { formatDuration } from '../../config/duration.js';
import { closestModel, isServed } from '../../models.js';
import { joinText, ours, text, type Text } from '../../text.js';
import { codePointName, isInvisible, lookAlikeOf } from '../../unicode.js';
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
    if (!close) return text`"${m}" is not served.`;
    const unseen = unseenDifference(m, close);
    return text`"${m}" is not served; did you mean "${close}"?${unseen ? text` ${unseen}` : text``}`;
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

/** Differences worth naming one by one; past this many the ids differ in more than a character or two. */
const UNSEEN_DIFFERENCES_NAMED = 3;

/**
 * When the suggestion reads the same as the requested id, the one thing a reader needs: which characters they
 * cannot see differ (a zero-width space pasted with the id, a Cyrillic "а" for a Latin "a"), and where.
 */
export function unseenDifference(requested: string, suggestion: string): Text | undefined {
  const wanted = [...requested];
  const offered = [...suggestion];
  const reading = (chars: string[]) =>
    chars
      .filter((c) => !isInvisible(c))
      .map((c) => lookAlikeOf(c) ?? c)
      .join('');
  if (requested === suggestion || reading(wanted) !== reading(offered)) return undefined;
  const differences: Text[] = [];
  let i = 0;
  let j = 0;
  while ((i < wanted.length || j < offered.length) && differences.length <= UNSEEN_DIFFERENCES_NAMED) {
    const [a, b] = [wanted[i], offered[j]];
    if (a === b) [i, j] = [i + 1, j + 1];
    else if (a !== undefined && isInvisible(a)) differences.push(unseen(a, ++i, 'the requested id'));
    else if (b !== undefined && isInvisible(b)) differences.push(unseen(b, ++j, 'the served id'));
    else if (a !== undefined && b !== undefined) {
      const inRequested = lookAlikeOf(a) !== undefined;
      differences.push(lookAlike(inRequested ? a : b, inRequested ? i + 1 : j + 1, inRequested));
      [i, j] = [i + 1, j + 1];
    } else break;
  }
  if (differences.length === 1) return text`It differs only by ${differences[0]!}.`;
  const named = joinText(differences.slice(0, UNSEEN_DIFFERENCES_NAMED), ', ');
  const more = differences.length > UNSEEN_DIFFERENCES_NAMED ? ours(', and more') : ours('');
  return text`It differs only by characters you cannot tell apart: ${named}${more}.`;
}

function unseen(char: string, position: number, where: string): Text {
  return ours(`an invisible character ${codePointName(char)} at position ${position} of ${where}`);
}

function lookAlike(char: string, position: number, inRequested: boolean): Text {
  const where = inRequested ? 'the requested id' : 'the served id';
  return ours(
    `a look-alike character ${codePointName(char)} (not "${lookAlikeOf(char)}") at position ${position} of ${where}`,
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
