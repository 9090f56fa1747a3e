import type { Evidence } from '../../types.js';
import type { AttemptCause, Classified } from '../classify.js';
import type { AttemptEvidence, DiagnoseContext } from '../context.js';
import type { FindingOf } from '../finding.js';
import { HTTP_EXPLAINERS } from './http.js';
import { MODEL_EXPLAINERS } from './models.js';
import { NETWORK_EXPLAINERS } from './network.js';
import { sceneOf, type Explainers } from './scene.js';

/** One explainer per cause a request can name: a new cause compiles only once it has an entry here. */
export const EXPLAINERS: Explainers<AttemptCause> = {
  ...NETWORK_EXPLAINERS,
  ...HTTP_EXPLAINERS,
  ...MODEL_EXPLAINERS,
};

/** The finding for the failed request `c`, read with the timeline around it. */
export function explain(
  c: Classified,
  attempts: readonly AttemptEvidence[],
  evidence: readonly Evidence[],
  ctx: DiagnoseContext,
): FindingOf<AttemptCause> {
  return EXPLAINERS[c.cause](sceneOf(c, attempts, evidence, ctx));
}
