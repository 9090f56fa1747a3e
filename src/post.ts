import * as core from '@actions/core';
import { openSync, readSync, closeSync, fstatSync } from 'node:fs';
import { LOG_TAIL_BYTES } from './limits.js';
import { cleanLogLine } from './log-lines.js';
import { createRedactor } from './redact.js';
import { printLogTails } from './report/actions.js';
import { STATE } from './report/actions-state.js';
import { stopProcessGroup } from './stop-server.js';

// The post step (post-if: always()): stop the server that main started, and keep its last words in the log.
try {
  const pid = Number(core.getState(STATE.serverPid));
  const logFile = core.getState(STATE.logFile);
  if (pid) {
    const outcome = await stopProcessGroup(pid);
    const said: Record<string, string> = {
      'not-running': `The server started by llm-preflight (pid ${pid}) had already stopped.`,
      stopped: `Stopped the server started by llm-preflight (pid ${pid}).`,
      killed: `The server (pid ${pid}) ignored SIGTERM; killed it.`,
      failed: `Could not stop the server (pid ${pid}); the runner's orphan cleanup will end it.`,
    };
    if (outcome === 'failed') core.warning(said[outcome]!);
    else core.info(said[outcome]!);
  }
  if (logFile) {
    const redact = createRedactor([process.env['INPUT_API-KEY']]);
    const lines = readTail(logFile)
      .split('\n')
      .map((l) => cleanLogLine(l, redact))
      .filter((l) => l.trim() !== '');
    // Collapsed, so it costs nothing when the job passed and is one click away when a test failed.
    printLogTails([{ source: `server log ${logFile}`, lines }]);
  }
} catch (error) {
  core.warning(`llm-preflight post step: ${error instanceof Error ? error.message : String(error)}`);
}

function readTail(path: string): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return '';
  }
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, LOG_TAIL_BYTES);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    return buffer.toString('utf8');
  } finally {
    closeSync(fd);
  }
}
