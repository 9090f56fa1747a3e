import { joinText, ours, quote, text } from '../../text.js';
import type { Evidence } from '../../types.js';
import type { AttemptEvidence, DiagnoseContext } from '../context.js';
import { allOf, finding, type FindingOf } from '../finding.js';

type BackendEvidence = Extract<Evidence, { kind: 'backend' }>;

/** `deep` on a LiteLLM proxy: any backend failing the proxy's own health check, or /health hanging on one. */
export function judgeBackends(
  evidence: readonly Evidence[],
  last: AttemptEvidence | undefined,
  ctx: DiagnoseContext,
): FindingOf<'backend-unhealthy'> | undefined {
  const backends = allOf(evidence, 'backend');
  const unhealthy = backends.filter((b) => !b.healthy);
  if (unhealthy.length > 0) return backendsFailing(backends, unhealthy, ctx);
  if (last?.stage === 'backends' && last.result.kind === 'error' && last.result.code === 'TIMEOUT') {
    return finding(
      'backend-unhealthy',
      text`${ctx.root} is up, but its backend health check (GET /health) gave no answer in time: the proxy calls every backend for it, so one backend that hangs holds the answer.`,
      ours(
        'Check that every backend in the LiteLLM config answers, or raise timeout; deep: false skips this check.',
      ),
      [last],
    );
  }
  return undefined;
}

function backendsFailing(
  backends: readonly BackendEvidence[],
  unhealthy: BackendEvidence[],
  ctx: DiagnoseContext,
): FindingOf<'backend-unhealthy'> {
  const which =
    unhealthy.length === backends.length
      ? backends.length === 1
        ? ours('its only backend fails')
        : text`all ${backends.length} backends fail`
      : text`${unhealthy.length} of ${backends.length} backends fail`;
  const listed = joinText(
    unhealthy
      .slice(0, 3)
      .map((b) => text`${b.model}: ${b.error !== undefined ? quote(b.error, 160) : ours('unhealthy')}`),
    '; ',
  );
  const more = unhealthy.length > 3 ? text`; and ${unhealthy.length - 3} more` : text``;
  return finding(
    'backend-unhealthy',
    text`${ctx.root} is up, but ${which} the proxy's health check: ${listed}${more}.`,
    ours(
      'Requests routed to these backends will fail. Check that each backend server is running and reachable from the proxy (api_base in the LiteLLM config; LiteLLM honours HTTP(S)_PROXY, so list local backends in NO_PROXY), or remove it from model_list.',
    ),
    unhealthy,
  );
}
