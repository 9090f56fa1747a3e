import type { Cause } from '../causes.js';
import { PERSISTENT_FAILURE_ATTEMPTS } from '../limits.js';
import { ours, text } from '../text.js';
import type { Evidence, Finding, Stage } from '../types.js';
import { ATTEMPT_CAUSES, classifyAttempt, type Classified } from './classify.js';
import type {
  AttemptEvidence,
  ContainerEvidence,
  DiagnoseContext,
  ExitEvidence,
  LogEvidence,
} from './context.js';
import { judgeBackends } from './explain/backends.js';
import { explain } from './explain/index.js';
import { judgeModels } from './explain/models.js';
import { noAnswerAtDeadline } from './explain/network.js';
import {
  containerMissing,
  containerOutOfMemory,
  fatalLogFinding,
  isContainerDead,
  serverEndedFinding,
} from './explain/process.js';
import { explainPullFailure } from './explain/pull.js';
import { listensElsewhere } from './explain/where.js';
import { allOf, finding, lastOf } from './finding.js';

type NamedLog = LogEvidence & { cause: Cause };

const INFORMATIONAL_STAGES: ReadonlySet<Stage> = new Set<Stage>(['detect', 'version']);

/** The timeline read once: what every rule looks at. */
export interface Timeline {
  evidence: readonly Evidence[];
  ctx: DiagnoseContext;
  container: ContainerEvidence | undefined;
  exit: ExitEvidence | undefined;
  fatalLog: NamedLog | undefined;
  explainingLog: NamedLog | undefined;
  /** The requests that say something about the server, in order. */
  attempts: readonly AttemptEvidence[];
  last: AttemptEvidence | undefined;
  lastClass: Classified | undefined;
}

export interface Rule {
  name: string;
  /** The causes its findings name. */
  produces: readonly Cause[];
  /** Its findings may also name the cause a log signature gave (src/servers signaturesFor). */
  passesLogCause?: true;
  decide: (t: Timeline) => Finding | undefined;
}

function readTimeline(evidence: readonly Evidence[], ctx: DiagnoseContext): Timeline {
  const logs = allOf(evidence, 'log').filter((e): e is NamedLog => e.cause !== undefined);
  // A poll cut off by the overall deadline says nothing about the server; the ones before it do. Nor do the
  // requests that only gather facts (GET / for a fingerprint, the version): a 404 there is no failure.
  const attempts = allOf(evidence, 'attempt').filter(
    (e) => !INFORMATIONAL_STAGES.has(e.stage) && !(e.result.kind === 'error' && e.result.code === 'DEADLINE'),
  );
  const last = attempts.at(-1);
  return {
    evidence,
    ctx,
    container: lastOf(evidence, 'container'),
    exit: lastOf(evidence, 'exit'),
    fatalLog: logs.find((e) => e.fatal === true),
    // A line that explains a failure without ending the wait by itself (the Hub rate-limited the download):
    // once the server is dead, it is the best explanation there is.
    explainingLog: logs.find((e) => e.fatal !== true && e.cause !== 'server-exited'),
    attempts,
    last,
    lastClass: last ? classifyAttempt(last) : undefined,
  };
}

function cancelled({ evidence, ctx }: Timeline): Finding | undefined {
  const signal = evidence.find((e) => e.kind === 'cancelled');
  if (!signal) return undefined;
  return finding(
    'cancelled',
    text`Cancelled by ${signal.signal} while waiting for ${ctx.root}.`,
    ours('The job was cancelled or timed out; nothing to fix in the server.'),
    [signal],
  );
}

function containerOomKilled({ container, evidence }: Timeline): Finding | undefined {
  return container?.oomKilled ? containerOutOfMemory(container, evidence) : undefined;
}

/**
 * A fatal line settles at once: the server cannot recover from it, and with log-file there may be no
 * process of ours whose exit we could wait for.
 */
function fatalLogLine({ fatalLog, exit, container, evidence }: Timeline): Finding | undefined {
  return fatalLog ? fatalLogFinding(fatalLog, exit, container, evidence) : undefined;
}

/** The server is gone: nothing more will come, so the log line that explains it, or how it ended. */
function serverEnded({ exit, container, explainingLog, evidence }: Timeline): Finding | undefined {
  const end = exit ?? (isContainerDead(container) ? container : undefined);
  return end ? serverEndedFinding(end, explainingLog, evidence) : undefined;
}

function containerGone({ container }: Timeline): Finding | undefined {
  return container?.status === 'missing' ? containerMissing(container) : undefined;
}

function pullFailed({ evidence, ctx }: Timeline): Finding | undefined {
  const pull = allOf(evidence, 'pull').find((e) => e.failure !== undefined);
  return pull ? explainPullFailure(pull, evidence, ctx) : undefined;
}

function backendsUnhealthy({ evidence, last, ctx }: Timeline): Finding | undefined {
  return judgeBackends(evidence, last, ctx);
}

/** A missing model settles at once, even while health still says loading: waiting will not add it. */
function modelsMissing({ evidence, ctx }: Timeline): Finding | undefined {
  const models = lastOf(evidence, 'models');
  return models ? judgeModels(models, ctx) : undefined;
}

function noAnswer({ lastClass, ctx }: Timeline): Finding | undefined {
  return !lastClass && ctx.deadlineReached ? noAnswerAtDeadline(ctx) : undefined;
}

/**
 * At the deadline, refused at base-url while the server we started listens elsewhere (engine/our-sockets.ts
 * looked): say where. Not before: a server still loading may listen on its internal ports (SGLang's, Ray's)
 * before it binds base-url's.
 */
function refusedElsewhere({ evidence, last, ctx }: Timeline): Finding | undefined {
  if (!ctx.deadlineReached || last?.result.kind !== 'error' || last.result.code !== 'ECONNREFUSED')
    return undefined;
  const listening = lastOf(evidence, 'listening');
  return listening ? listensElsewhere(listening, last, ctx, evidence) : undefined;
}

/** The last request failed: explain it once its kind of failure may end the wait. */
function lastAttemptDue({ lastClass, attempts, evidence, ctx }: Timeline): Finding | undefined {
  if (!lastClass) return undefined;
  const due =
    lastClass.settle === 'now' ||
    ctx.deadlineReached ||
    (lastClass.settle === 'persistent' && persistent(attempts, lastClass.cause));
  return due ? explain(lastClass, attempts, evidence, ctx) : undefined;
}

/**
 * The last few failures all name the same cause. Requests that succeeded in between do not break the run: a
 * forced kind's health check passes before every model list that 404s, and that 404 is no less persistent.
 */
function persistent(attempts: readonly AttemptEvidence[], cause: Cause): boolean {
  const recent = attempts
    .map((a) => classifyAttempt(a)?.cause)
    .filter((c) => c !== undefined)
    .slice(-PERSISTENT_FAILURE_ATTEMPTS);
  return recent.length >= PERSISTENT_FAILURE_ATTEMPTS && recent.every((c) => c === cause);
}

/** Most specific first: the first rule with a finding decides. */
export const RULES: readonly Rule[] = [
  { name: 'cancelled', produces: ['cancelled'], decide: cancelled },
  { name: 'container OOMKilled', produces: ['out-of-memory'], decide: containerOomKilled },
  { name: 'fatal log line', produces: [], passesLogCause: true, decide: fatalLogLine },
  {
    name: 'server process or container ended',
    produces: ['server-exited'],
    passesLogCause: true,
    decide: serverEnded,
  },
  { name: 'container missing', produces: ['server-exited'], decide: containerGone },
  { name: 'pull failed', produces: ['model-download-failed'], decide: pullFailed },
  { name: 'backends unhealthy', produces: ['backend-unhealthy'], decide: backendsUnhealthy },
  { name: 'models missing', produces: ['no-models', 'model-not-found'], decide: modelsMissing },
  { name: 'no answer at the deadline', produces: ['no-response'], decide: noAnswer },
  { name: 'refused where ours does not listen', produces: ['connection-refused'], decide: refusedElsewhere },
  { name: 'last attempt due', produces: ATTEMPT_CAUSES, decide: lastAttemptDue },
];

/** The rule that decided and its finding; for tests that hold each rule to the causes it declares. */
export function decide(
  evidence: readonly Evidence[],
  ctx: DiagnoseContext,
): { rule: Rule; finding: Finding } | undefined {
  const timeline = readTimeline(evidence, ctx);
  for (const rule of RULES) {
    const found = rule.decide(timeline);
    if (found) return { rule, finding: found };
  }
  return undefined;
}

/**
 * Turns what we saw into one finding, or `undefined` while waiting is still worth it. A pure function of
 * the evidence: the same timeline always gives the same answer.
 */
export function settle(evidence: readonly Evidence[], ctx: DiagnoseContext): Finding | undefined {
  return decide(evidence, ctx)?.finding;
}
