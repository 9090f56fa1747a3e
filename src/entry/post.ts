// The same runner-command writer as the main step (see report/runner/runner-commands.ts): no second HTTP
// client to load.
import * as core from '../report/runner/runner-commands.js';
import { actionInputSecrets } from '../config/secrets.js';
import { LOG_LINES_QUOTED } from '../limits.js';
import { cleanLogLine } from '../evidence/log-reader.js';
import { createRedactor } from '../redact.js';
import { printLogTails } from '../report/runner/log-tails.js';
import { shownLogLine } from '../report/text.js';
import { STATE } from '../report/runner/state.js';
import { checkAfterGate } from './after-gate.js';
import { readFrom } from './after-gate-sources.js';
import { readGateSnapshot } from './gate-state.js';
import { stopWhatMainStarted } from './stop-started.js';

/**
 * The post step (post-if: always(), so also after a failure or a cancellation): stop the server that main
 * started, then show its last words. Bounded: STOP_GRACE_MS plus a second to stop, LOG_TAIL_BYTES to read.
 * Never fails the job: a server that cannot be stopped is a warning, and the runner's orphan cleanup ends it.
 */
export async function runPost(env: Record<string, string | undefined>): Promise<number> {
  try {
    const pid = Number(core.getState(STATE.serverPid));
    const logFile = core.getState(STATE.logFile);
    const redact = createRedactor(actionInputSecrets(env));
    const snapshot = readGateSnapshot();
    // Before the server is stopped: stopping it is a death this must not see.
    if (snapshot) await checkAfterGate(snapshot, env, redact);
    await stopWhatMainStarted(
      {
        pid: pid || undefined,
        leftPids: core
          .getState(STATE.leftPids)
          .split(',')
          .map(Number)
          .filter((n) => Number.isInteger(n) && n > 1),
        containerId: core.getState(STATE.containerId) || undefined,
      },
      env,
    );
    if (logFile) {
      // The main step echoed the log live up to here: show only what came after.
      const shownBytes = Number(core.getState(STATE.logOffset)) || 0;
      const lines = logTail(readFrom(logFile, shownBytes))
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

/** Whole lines only: a read that starts inside the file starts inside a line, which is dropped. */
function logTail({ text, fromMiddle }: { text: string; fromMiddle: boolean }): string[] {
  const lines = text.split('\n');
  return fromMiddle ? lines.slice(1) : lines;
}
