// The same runner-command writer as the main step (see report/runner/runner-commands.ts): no second HTTP
// client to load.
import * as core from '../report/runner/runner-commands.js';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { actionInputSecrets } from '../config/secrets.js';
import { LOG_LINES_QUOTED, LOG_TAIL_BYTES } from '../limits.js';
import { cleanLogLine } from '../evidence/log-reader.js';
import { createRedactor } from '../redact.js';
import { printLogTails } from '../report/runner/log-tails.js';
import { shownLogLine } from '../report/text.js';
import { STATE } from '../report/runner/state.js';
import { stopProcessGroup } from '../process/process-group.js';

/**
 * The post step (post-if: always(), so also after a failure or a cancellation): stop the server that main
 * started, then show its last words. Bounded: STOP_GRACE_MS plus a second to stop, LOG_TAIL_BYTES to read.
 * Never fails the job: a server that cannot be stopped is a warning, and the runner's orphan cleanup ends it.
 */
export async function runPost(env: Record<string, string | undefined>): Promise<number> {
  try {
    const pid = Number(core.getState(STATE.serverPid));
    const logFile = core.getState(STATE.logFile);
    if (pid) {
      const outcome = await stopProcessGroup(pid);
      const said: Record<typeof outcome, string> = {
        'not-running': `The server started by llm-preflight (pid ${pid}) had already stopped.`,
        stopped: `Stopped the server started by llm-preflight (pid ${pid}) and every process of its group.`,
        killed: `The server (pid ${pid}) ignored SIGTERM; killed its process group.`,
        failed: `Could not stop the server (pid ${pid}); the runner's orphan cleanup will end it.`,
      };
      if (outcome === 'failed') core.warning(said[outcome]);
      else core.info(said[outcome]);
    }
    if (logFile) {
      const redact = createRedactor(actionInputSecrets(env));
      // The main step echoed the log live up to here: show only what came after.
      const shownBytes = Number(core.getState(STATE.logOffset)) || 0;
      const lines = logTail(readTail(logFile, shownBytes))
        .map((l) => shownLogLine(cleanLogLine(l), redact))
        .filter((l) => l.trim() !== '')
        .slice(-LOG_LINES_QUOTED);
      // Collapsed, so it costs nothing when the job passed and is one click away when a test failed; inside
      // ::stop-commands::, so a line such as "::error::" or "::set-output" is shown, never executed.
      const after = shownBytes ? ', after the main step' : '';
      printLogTails([{ source: `server log ${logFile}${after}`, lines }]);
    }
  } catch (error) {
    core.warning(`llm-preflight post step: ${error instanceof Error ? error.message : String(error)}`);
  }
  return 0;
}

/** The last LOG_TAIL_BYTES of the file past `fromByte`, and whether that starts in the middle of a line. */
function readTail(path: string, fromByte: number): { text: string; fromMiddle: boolean } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return { text: '', fromMiddle: false };
  }
  try {
    const size = fstatSync(fd).size;
    const start = Math.max(Math.min(fromByte, size), size - LOG_TAIL_BYTES);
    const buffer = Buffer.alloc(size - start);
    readSync(fd, buffer, 0, buffer.length, start);
    return { text: buffer.toString('utf8'), fromMiddle: start > fromByte };
  } finally {
    closeSync(fd);
  }
}

/** Whole lines only: a read that starts inside the file starts inside a line, which is dropped. */
function logTail({ text, fromMiddle }: { text: string; fromMiddle: boolean }): string[] {
  const lines = text.split('\n');
  return fromMiddle ? lines.slice(1) : lines;
}
