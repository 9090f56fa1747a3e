import * as core from '../report/runner/runner-commands.js';
import { actionInputSecrets } from '../config/secrets.js';
import { DOCKER_REMOVE_TIMEOUT_MS } from '../limits.js';
import { boundedExec } from '../process/bounded-exec.js';
import {
  listeningSocketsOf,
  listeningSocketsOfPids,
  socketAddress,
  type ListeningLookup,
} from '../process/listening-sockets.js';
import { groupAlive, processRunning, stopProcess, stopProcessGroup } from '../process/process-group.js';
import { createRedactor } from '../redact.js';
import { presentText } from '../report/present.js';
import { ours, text, type Text } from '../text.js';

/** What main saved about the server it started (report/runner/state.ts). */
export interface StartedByMain {
  /** The start command's shell, which is its process group id. */
  pid: number | undefined;
  /** What the start command left running outside its group (setsid, a daemon). */
  leftPids: number[];
  /** The container a `docker run -d` start command left running. */
  containerId: string | undefined;
}

/**
 * Stops everything main started, each with a sentence that says what it was and what became of it: the
 * start command's process group, the processes it left outside the group, the container it ran detached.
 */
export async function stopWhatMainStarted(
  started: StartedByMain,
  env: Record<string, string | undefined>,
): Promise<void> {
  const redact = createRedactor(actionInputSecrets(env));
  const say = (line: Text, warn = false) => (warn ? core.warning : core.info)(presentText(line, redact));
  const leftBehind = started.leftPids.length > 0 || started.containerId !== undefined;
  if (started.pid) await stopGroup(started.pid, leftBehind, say);
  for (const pid of started.leftPids) await stopLeftProcess(pid, say);
  if (started.containerId) await removeContainer(started.containerId, say);
}

type Say = (line: Text, warn?: boolean) => void;

/** ` (listening on 127.0.0.1:8000)`, or nothing when it listened nowhere or we cannot tell. */
function listenedOn(lookup: ListeningLookup, lead: string): Text {
  if (!lookup.known || lookup.sockets.length === 0) return text``;
  const addresses = [...new Set(lookup.sockets.map(socketAddress))].slice(0, 4);
  return text`${ours(lead)}listening on ${ours(addresses.join(', '))}`;
}

async function stopGroup(pid: number, leftBehind: boolean, say: Say): Promise<void> {
  const sockets = await listeningSocketsOf({ pgid: pid });
  const outcome = await stopProcessGroup(pid);
  const on = listenedOn(sockets, '; it was ');
  const said: Record<typeof outcome, Text> = {
    // With a server left behind, the shell's group ending says nothing about the server.
    'not-running': leftBehind
      ? text`The start command (pid ${pid}) had already returned; its process group had ended.`
      : text`The server started by llm-preflight (pid ${pid}) had already stopped.`,
    stopped: text`Stopped the server started by llm-preflight (pid ${pid}) and every process of its group${on}.`,
    killed: text`The server (pid ${pid}) ignored SIGTERM; killed its process group${on}.`,
    failed: text`Could not stop the server (pid ${pid}); the runner's orphan cleanup will end it.`,
  };
  say(said[outcome], outcome === 'failed');
}

/** A daemon that called setsid leads a group of its own, which takes its children with it. */
async function stopLeftProcess(pid: number, say: Say): Promise<void> {
  if (!processRunning(pid)) {
    say(text`The server the start command left running (pid ${pid}) had already stopped.`);
    return;
  }
  const sockets = await listeningSocketsOfPids([pid]);
  const outcome = groupAlive(pid) ? await stopProcessGroup(pid) : await stopProcess(pid);
  const on = listenedOn(sockets, ', ');
  const said: Record<typeof outcome, Text> = {
    'not-running': text`The server the start command left running (pid ${pid}) had already stopped.`,
    stopped: text`Stopped the server the start command left running outside its process group (pid ${pid}${on}).`,
    killed: text`The server the start command left running (pid ${pid}${on}) ignored SIGTERM; killed it.`,
    failed: text`Could not stop the server the start command left running (pid ${pid}${on}); stop it with: kill ${pid}`,
  };
  say(said[outcome], outcome === 'failed');
}

async function removeContainer(id: string, say: Say): Promise<void> {
  const removed = await boundedExec('docker', ['rm', '-f', '--', id], {
    timeoutMs: DOCKER_REMOVE_TIMEOUT_MS,
    maxBytesPerStream: 64 * 1024,
  });
  const shortId = id.slice(0, 12);
  if (removed.exitCode === 0) {
    say(text`Removed the container the start command ran with docker run -d (${shortId}).`);
    return;
  }
  const why = removed.spawnError ?? (removed.timedOut ? 'timed out' : removed.stderr.trim().split('\n')[0]);
  say(
    text`Could not remove the container the start command ran with docker run -d (${shortId}: ${why ?? ''}); stop it with: docker rm -f ${id}`,
    true,
  );
}
