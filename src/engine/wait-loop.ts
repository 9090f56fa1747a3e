import { classifyAttempt } from '../diagnose/index.js';
import { busyPortNeverTaken, busyPortTaken } from '../diagnose/explain/where.js';
import {
  FATAL_LINE_EXIT_WAIT_MS,
  PORT_CHECK_TIMEOUT_MS,
  REFUSED_CONNECT_GAP_MS,
  REFUSED_HTTP_EVERY_MS,
} from '../limits.js';
import { isListening } from '../net/port-check.js';
import { warmUpHttp } from '../net/warm-up.js';
import type { Finding } from '../types.js';
import { nextDelayMs } from './backoff.js';
import { busyPortOwner } from './busy-port.js';
import { lookUpOurSocketsThrottled } from './our-sockets.js';
import type { EndpointSession } from './endpoint-session.js';
import { pullMissingModels } from './stages/pull.js';
import { attemptReadiness } from './stages/readiness.js';
import { lookAround } from './stages/surroundings.js';

/** How the wait for one endpoint ended. Every kind but `ready` carries what diagnosis made of it. */
export type WaitOutcome =
  | { kind: 'ready' }
  /** Something answers, but the server we started has died. */
  | { kind: 'stranger-answers'; finding: Finding | undefined }
  /** The server is up without the required models, and `pull` could not bring them. */
  | { kind: 'models-missing'; finding: Finding | undefined }
  /** Diagnosis named a cause before the deadline. */
  | { kind: 'settled'; finding: Finding }
  | { kind: 'deadline'; finding: Finding | undefined }
  | { kind: 'cancelled'; finding: Finding | undefined };

/** Another attempt is due: after a backoff, a pull, or while a busy port's older server answers. */
const AGAIN = 'again';
type Round = WaitOutcome | typeof AGAIN;

/** Attempt → settle → back off, until the endpoint is ready or there is a verdict on why it is not. */
export async function waitUntilReady(session: EndpointSession): Promise<WaitOutcome> {
  for (;;) {
    const answered = await attemptReadiness(session);
    const round = answered ? await judgeAnswer(session) : await settleOrBackOff(session);
    if (round !== AGAIN) return round;
  }
}

/** Every stage answered ready; the rules below decide whether that answer can be believed. */
async function judgeAnswer(session: EndpointSession): Promise<Round> {
  if (startedServerDiedWhileSomethingAnswers(session)) {
    return { kind: 'stranger-answers', finding: session.diagnose(false) };
  }
  if ((await busyPortOwner(session)) === 'stranger') return whileAnotherServerAnswers(session);
  return checkModelsOrPull(session);
}

/**
 * The port was taken before `start` and what answers is not (yet) ours. A bind failure in our server's log
 * ends it as port-in-use; a fatal line ends it with its cause; otherwise ours may still bind once it has
 * loaded (SGLang and TGI load before they bind), so wait, and at the deadline say that it never did.
 */
async function whileAnotherServerAnswers(session: EndpointSession): Promise<Round> {
  const { run } = session;
  const timeline = session.timeline();
  const bindFailure = timeline.find(
    (e): e is Extract<typeof e, { kind: 'log' }> =>
      e.kind === 'log' && e.source === 'server log' && e.cause === 'port-in-use',
  );
  if (bindFailure) {
    return { kind: 'settled', finding: busyPortTaken(bindFailure, timeline, session.context(false)) };
  }
  const fromLog = session.diagnose(false);
  if (fromLog && fromLog.evidence[0]?.kind === 'log') return { kind: 'settled', finding: fromLog };
  const delay = nextDelayMs(run.now() - run.startedAt, session.timeLeftMs(), false);
  if (delay === 'stop') {
    return { kind: 'deadline', finding: busyPortNeverTaken(session.timeline(), session.context(true)) };
  }
  await run.waker.sleep(delay, run.signal);
  if (run.signal?.aborted) return { kind: 'cancelled', finding: session.diagnose(true) };
  return AGAIN;
}

function startedServerDiedWhileSomethingAnswers(session: EndpointSession): boolean {
  // Something answers, but the server we started has died (typically port-in-use: an older server from an
  // earlier step holds the port). The job's tests would talk to that stranger, so this is not ready.
  return session.run.sources?.startedPid !== undefined && session.exitSeen();
}

/** The models-missing-then-pull rule: a server up without the required models gets them pulled (Ollama). */
async function checkModelsOrPull(session: EndpointSession): Promise<Round> {
  const settledModels = session.diagnose(false);
  if (!settledModels || (settledModels.cause !== 'model-not-found' && settledModels.cause !== 'no-models')) {
    return { kind: 'ready' };
  }
  const pull = await pullMissingModels(session);
  // Pulled: list again, so the model list (not our word) says the model is there.
  if (pull === 'pulled') return AGAIN;
  return { kind: 'models-missing', finding: pull === 'failed' ? session.diagnose(false) : settledModels };
}

/** Not ready: end the wait when diagnosis has a verdict, else sleep the backoff delay. */
async function settleOrBackOff(session: EndpointSession): Promise<Round> {
  const { run } = session;
  const remaining = session.timeLeftMs();
  if (lastAttemptRefused(session)) await lookUpOurSocketsThrottled(session, remaining <= 0);
  let finding = session.diagnose(remaining <= 0);
  if (finding && (await awaitExitAfterFatalLine(session, finding)))
    finding = session.diagnose(remaining <= 0);
  if (finding) return { kind: 'settled', finding: await lookAround(session, finding, remaining <= 0) };
  const delay = nextDelayMs(run.now() - run.startedAt, remaining, lastAttemptRefused(session));
  if (delay === 'stop')
    return { kind: 'deadline', finding: await lookAround(session, session.diagnose(true), true) };
  const connect = refusedDirectly(session) ? await awaitAcceptedConnection(session) : 'not-tried';
  // Accepted at once although HTTP was just refused (another address of the name): the backoff still holds.
  if (connect === 'not-tried' || connect === 'at-once') await run.waker.sleep(delay, run.signal);
  if (run.signal?.aborted) return { kind: 'cancelled', finding: session.diagnose(true) };
  return AGAIN;
}

/** Refused by the server's own address (not by a proxy on the way): a bare TCP connect can watch that port. */
function refusedDirectly(session: EndpointSession): boolean {
  const result = session.lastAttempt()?.result;
  return result?.kind === 'error' && result.code === 'ECONNREFUSED' && !result.viaProxy;
}

/**
 * While nothing listens, a bare TCP connect every REFUSED_CONNECT_GAP_MS finds the moment the port opens far
 * sooner than HTTP polls would. Ends when one is accepted (`accepted`; `at-once` when the first was), or after
 * REFUSED_HTTP_EVERY_MS, at the deadline, on cancellation or on new evidence from the sources (an exit, a fatal
 * line: something to judge now), each `gave-up`.
 */
async function awaitAcceptedConnection(
  session: EndpointSession,
): Promise<'accepted' | 'at-once' | 'gave-up'> {
  const { run, endpoint } = session;
  const until = Math.min(run.deadline, run.now() + REFUSED_HTTP_EVERY_MS);
  const evidenceBefore = run.shared.length;
  await warmUpHttp(run.prober);
  for (let first = true; ; first = false) {
    if (await isListening(endpoint.host, endpoint.port, PORT_CHECK_TIMEOUT_MS))
      return first ? 'at-once' : 'accepted';
    const leftMs = until - run.now();
    if (leftMs <= 0 || run.signal?.aborted || run.shared.length !== evidenceBefore) return 'gave-up';
    await run.waker.sleep(Math.max(1, Math.min(REFUSED_CONNECT_GAP_MS, Math.round(leftMs))), run.signal);
  }
}

function lastAttemptRefused(session: EndpointSession): boolean {
  const lastAttempt = session.lastAttempt();
  return lastAttempt !== undefined && classifyAttempt(lastAttempt)?.cause === 'connection-refused';
}

/**
 * A fatal log line usually comes a moment before the started server exits. Waiting briefly for that exit
 * (FATAL_LINE_EXIT_WAIT_MS; the waker ends the wait the instant it happens) lets the report carry the exit
 * code too. True when the exit came.
 */
async function awaitExitAfterFatalLine(session: EndpointSession, found: Finding): Promise<boolean> {
  const { run } = session;
  const fromLog = found.evidence[0]?.kind === 'log';
  if (!fromLog || run.sources?.startedPid === undefined || session.exitSeen()) return false;
  const until = Math.min(run.deadline, run.now() + FATAL_LINE_EXIT_WAIT_MS);
  while (!session.exitSeen() && run.now() < until && !run.signal?.aborted) {
    await run.waker.sleep(Math.max(1, Math.round(until - run.now())), run.signal);
  }
  return session.exitSeen();
}
