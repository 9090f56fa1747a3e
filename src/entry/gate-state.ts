import { statSync } from 'node:fs';
import type { ServerKind } from '../causes.js';
import type { Config } from '../config/schema.js';
import * as core from '../report/runner/runner-commands.js';
import { STATE } from '../report/runner/state.js';
import type { PreflightResult } from '../types.js';

/**
 * The server as it was when the gate passed, saved by the main step for the post step: the post step reads
 * what happened after this point (log bytes past the offsets, container logs since the time) and compares
 * (the container's restart count).
 */
export interface GateSnapshot {
  readyAtEpochMs: number;
  server: ServerKind | 'unknown';
  baseUrl: string;
  /** The step's id in the workflow, as main saw it: the post step's annotation goes on the same line. */
  stepAction?: string;
  /** A server started with `start`: its process group and how far its log had grown. */
  started?: { pid: number; logFile: string; offsetBytes: number };
  logFile?: { path: string; offsetBytes: number };
  container?: { id: string; restartCount: number };
}

/** Saved only for a ready server: a gate that failed has already said why. */
export function saveGateSnapshot(
  config: Config,
  result: PreflightResult,
  env: Record<string, string | undefined>,
): void {
  if (!result.ready) return;
  const first = result.endpoints[0];
  const snapshot: GateSnapshot = {
    readyAtEpochMs: Date.now(),
    server: first?.server ?? 'unknown',
    baseUrl: first?.baseUrl ?? '',
  };
  if (env.GITHUB_ACTION) snapshot.stepAction = env.GITHUB_ACTION;
  if (result.startedPid !== undefined && result.logFile)
    snapshot.started = {
      pid: result.startedPid,
      logFile: result.logFile,
      offsetBytes: sizeOf(result.logFile),
    };
  if (config.logFile) snapshot.logFile = { path: config.logFile, offsetBytes: sizeOf(config.logFile) };
  if (config.container) snapshot.container = { id: config.container, restartCount: restartCountSeen(result) };
  core.saveState(STATE.gate, JSON.stringify(snapshot));
}

export function readGateSnapshot(): GateSnapshot | undefined {
  const saved = core.getState(STATE.gate);
  if (!saved) return undefined;
  try {
    return JSON.parse(saved) as GateSnapshot;
  } catch {
    return undefined;
  }
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** The restart count of the container's last state the main step saw. */
function restartCountSeen(result: PreflightResult): number {
  const states = (result.endpoints[0]?.timeline ?? []).filter((e) => e.kind === 'container');
  return states.at(-1)?.restartCount ?? 0;
}
