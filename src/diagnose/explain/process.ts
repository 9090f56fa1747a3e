import { constants as osConstants } from 'node:os';
import type { Cause } from '../../causes.js';
import { ours, text, type Text } from '../../text.js';
import type { Evidence, Finding } from '../../types.js';
import type { ContainerEvidence, ExitEvidence, LogEvidence } from '../context.js';
import { adviceForShape, decisiveLine, quotedLine } from '../decisive-line.js';
import { finding, logsAround, type FindingOf } from '../finding.js';

/** A container in one of these states has stopped serving: `restarting` is a crash loop in progress. */
const CONTAINER_DEAD_STATES = ['exited', 'dead', 'restarting'];

export function isContainerDead(container: ContainerEvidence | undefined): container is ContainerEvidence {
  return container !== undefined && (container.oomKilled || CONTAINER_DEAD_STATES.includes(container.status));
}

/** Docker has no exit code for a container that has not ended. */
function exitCodeOf(container: ContainerEvidence): Text {
  return container.exitCode === null ? ours('?') : text`${container.exitCode}`;
}

export function containerOutOfMemory(
  container: ContainerEvidence,
  evidence: readonly Evidence[],
): FindingOf<'out-of-memory'> {
  return finding(
    'out-of-memory',
    text`The container ${container.id} was killed for using too much memory (OOMKilled, exit code ${exitCodeOf(container)}).`,
    ours('Give the container more memory, or use a smaller or quantized model.'),
    [container, ...logsAround(evidence)],
  );
}

/** A log line that names its cause, with what has become of the server since. */
export function fatalLogFinding(
  log: LogEvidence & { cause: Cause },
  exit: ExitEvidence | undefined,
  container: ContainerEvidence | undefined,
  evidence: readonly Evidence[],
): Finding {
  const where = exit
    ? text` The server exited (${describeExit(exit)}).`
    : isContainerDead(container)
      ? text` The container is ${container.status}.`
      : text``;
  // A wrapper line ("Shard 0 failed to start") decided because no specific line did: the error-shaped line
  // nearest it usually is the specific one ("ValueError: `num_heads` must be divisible by `num_shards`").
  const decisive = log.generic ? decisiveLine(evidence, exit?.atMs ?? Number.POSITIVE_INFINITY) : undefined;
  const detail = decisive ? text`; before it: ${quotedLine(decisive.line)}` : text``;
  return finding(
    log.cause,
    text`${log.source} says: ${quotedLine(log.line)}${detail}${where}`,
    ours(log.hint ?? ''),
    [
      ...(decisive ? [decisive] : []),
      log,
      ...(exit ? [exit] : []),
      ...(container ? [container] : []),
      ...logsAround(evidence),
    ],
  );
}

/** The server ended before it was ready: a log line that explains it, or else how it ended. */
export function serverEndedFinding(
  end: ExitEvidence | ContainerEvidence,
  explainingLog: (LogEvidence & { cause: Cause }) | undefined,
  evidence: readonly Evidence[],
): Finding {
  const what = end.kind === 'exit' ? describeEnd(end) : describeDeadContainer(end);
  if (explainingLog) {
    return finding(
      explainingLog.cause,
      text`${what}; ${explainingLog.source} says: ${quotedLine(explainingLog.line)}`,
      ours(explainingLog.hint ?? ''),
      [explainingLog, end, ...logsAround(evidence)],
    );
  }
  // No signature explains it: quote the line whose shape says it did (the exception, the usage error).
  const decisive = decisiveLine(evidence, end.atMs);
  const advice = end.kind === 'exit' ? exitAdvice(end) : undefined;
  const shapeAdvice = decisive ? adviceForShape(decisive.shape, decisive.line) : undefined;
  return finding(
    'server-exited',
    decisive ? text`${what}; ${decisive.source} says: ${quotedLine(decisive.line)}` : text`${what}.`,
    // An exit code that says more than the line (127, SIGKILL, 0) keeps its own advice.
    shapeAdvice && (advice === undefined || advice === GENERIC_EXIT_ADVICE)
      ? shapeAdvice
      : advice !== undefined
        ? ours(advice)
        : ours(
            'Read the container log lines below (docker logs); a service container that exits at start usually has a bad command or missing environment.',
          ),
    [...(decisive ? [decisive] : []), end, ...logsAround(evidence)],
  );
}

export function containerMissing(container: ContainerEvidence): FindingOf<'server-exited'> {
  return finding(
    'server-exited',
    text`The container ${container.id} does not exist (docker: ${container.error !== undefined ? text`${container.error}` : ours('no such container')}).`,
    ours(
      'It may have exited and been removed (docker run --rm), or the id or name is wrong: for a service container pass ${{ job.services.<label>.id }}.',
    ),
    [container],
  );
}

function describeDeadContainer(container: ContainerEvidence): Text {
  const restarts = container.restartCount ? text`, restarted ${container.restartCount} times` : text``;
  return text`The container ${container.id} is ${container.status} (exit code ${exitCodeOf(container)}${restarts})`;
}

function describeExit(exit: ExitEvidence): Text {
  if (exit.signal) return text`killed by ${exit.signal}`;
  if (exit.code === null) return ours('exit status unknown');
  // A shell reports a command killed by signal N as exit code 128 + N.
  const name = exit.code > 128 ? signalName(exit.code - 128) : undefined;
  return name ? text`exit code ${exit.code}: killed by ${name}` : text`exit code ${exit.code}`;
}

function signalName(signal: number): string | undefined {
  return Object.entries(osConstants.signals).find(([, n]) => n === signal)?.[0];
}

/** The sentence for a started server's end, by what ended (evidence/start-command.ts reports it). */
function describeEnd(exit: ExitEvidence): Text {
  switch (exit.ended) {
    case 'shell':
      return text`The server process exited before it was ready (${describeExit(exit)})`;
    case 'group':
      return ours('The processes the start command left running all ended before the server was ready');
    case 'not-started':
      return text`The start command could not run (${exit.reason !== undefined ? text`${exit.reason}` : ours('no reason given')})`;
  }
}

function exitAdvice(exit: ExitEvidence): string {
  if (exit.signal === 'SIGKILL' || exit.code === 137)
    return "Nothing in its log explains it: a SIGKILL with no error usually comes from the kernel's out-of-memory killer (see dmesg), so try a smaller model or a runner with more memory.";
  if (exit.code === 0)
    return 'It ended without an error before serving: start must run the server itself, in the foreground (not docker run -d or a service manager). For a server started another way, use container or log-file instead.';
  if (exit.code === 127)
    return 'The shell could not find the command (exit code 127, command not found): the start line names one that is not on its PATH. Install it in an earlier step, activate its virtualenv in the same start line, or give its full path.';
  if (exit.code === 126)
    return 'The shell found the command but could not execute it (exit code 126): check its permissions.';
  return GENERIC_EXIT_ADVICE;
}

const GENERIC_EXIT_ADVICE =
  'Read the last lines of its log below; run the start command by hand to see the full error.';
