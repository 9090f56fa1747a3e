import type { ServerProfile } from '../../servers/index.js';
import { formatDuration } from '../../config/duration.js';
import { PROFILES } from '../../servers/index.js';
import { ours, quote, text, Text } from '../../text.js';
import type { Evidence, ProbeResult } from '../../types.js';
import type { AttemptCause, Classified } from '../classify.js';
import type { AttemptEvidence, DiagnoseContext } from '../context.js';
import type { FindingOf } from '../finding.js';
import { logsAround } from '../finding.js';

/** What every explainer of a failed request reads: the request, the timeline around it, and the target. */
export interface Scene {
  ev: AttemptEvidence;
  r: ProbeResult;
  ctx: DiagnoseContext;
  attempts: readonly AttemptEvidence[];
  /** The whole timeline, for explainers that read more than requests and logs. */
  evidence: readonly Evidence[];
  hostPort: Text;
  profile: ServerProfile | undefined;
  /** The overall timeout, for sentences. */
  took: Text;
  /** "HTTP 503", or the error code of a request that got no answer. */
  status: Text;
  /** The start of the answer's body, when it has one. */
  excerpt: Text;
  /** The request, then the last log lines. */
  withLogs: (items: Evidence[]) => Evidence[];
}

export type Explainer<C extends AttemptCause> = (scene: Scene) => FindingOf<C>;

/** Explainers by the cause they give; a family's table may hold only its own causes. */
export type Explainers<C extends AttemptCause> = { [K in C]: Explainer<K> };

export function sceneOf(
  c: Classified,
  attempts: readonly AttemptEvidence[],
  evidence: readonly Evidence[],
  ctx: DiagnoseContext,
): Scene {
  const ev = c.evidence;
  const r = ev.result;
  const logs = logsAround(evidence);
  return {
    ev,
    r,
    ctx,
    attempts,
    evidence,
    hostPort: text`${ctx.host}:${ctx.port}`,
    profile: ctx.kind ? PROFILES[ctx.kind] : undefined,
    took: ours(formatDuration(ctx.timeoutMs)),
    status: r.kind === 'http' ? text`HTTP ${r.status}` : ours(r.code),
    excerpt: r.kind === 'http' && r.body.trim() ? text`: ${quote(r.body, 160)}` : text``,
    withLogs: (items) => [...items, ...logs],
  };
}
