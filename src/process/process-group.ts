import { readdirSync, readFileSync } from 'node:fs';
import { STOP_GRACE_MS } from '../limits.js';
import { boundedExec } from './bounded-exec.js';

export type StopOutcome = 'not-running' | 'stopped' | 'killed' | 'failed';

/** How often the stop loop looks whether the group is gone: short next to the grace period, cheap to do. */
const STOP_POLL_MS = 50;
/** After SIGKILL the kernel tears the processes down in milliseconds; past this we report failure. */
const KILL_SETTLE_MS = 1_000;

/**
 * Fields of /proc/<pid>/stat. The command name sits in parentheses and may hold spaces and parentheses
 * itself, so the fields are read after the last ')'.
 */
function readStat(pid: string): { state: string; pgrp: number } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  const pgrp = Number(fields[2]);
  return state && Number.isInteger(pgrp) ? { state, pgrp } : undefined;
}

function procAvailable(): boolean {
  try {
    readFileSync('/proc/self/stat');
    return true;
  } catch {
    return false;
  }
}

/**
 * The live members of a process group, from /proc, or undefined where there is no /proc (macOS).
 * Zombies do not count: a killed process whose parent has gone stays a zombie until init reaps it, and
 * inside a container without an init that is forever. It holds no port and no memory, yet `kill(-pgid, 0)`
 * still finds it.
 */
export function groupMembers(pgid: number): number[] | undefined {
  if (!procAvailable()) return undefined;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return undefined;
  }
  const members: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(entry);
    if (stat && stat.pgrp === pgid && stat.state !== 'Z' && stat.state !== 'X') members.push(Number(entry));
  }
  return members;
}

/**
 * True while any process of the group is running (zombies excepted, where /proc can tell). Windows has no
 * process groups to ask: there it is the shell itself.
 */
export function groupAlive(pgid: number): boolean {
  if (process.platform === 'win32') return processRunning(pgid);
  const members = groupMembers(pgid);
  if (members) return members.length > 0;
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True while the process runs; a zombie has finished running. */
export function processRunning(pid: number): boolean {
  if (procAvailable()) {
    const stat = readStat(String(pid));
    return stat !== undefined && stat.state !== 'Z' && stat.state !== 'X';
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitGone(pgid: number, forMs: number): Promise<boolean> {
  const deadline = Date.now() + forMs;
  while (groupAlive(pgid)) {
    if (Date.now() >= deadline) return false;
    await pause(STOP_POLL_MS);
  }
  return true;
}

/**
 * Stops the process group a `start` command ran in (the shell was spawned detached, so its pid is the
 * group id, and everything it started without leaving the group goes with it): SIGTERM so the server can
 * release the GPU and the port cleanly, then SIGKILL after a grace period. Bounded: returns within
 * graceMs + KILL_SETTLE_MS. The kernel never hands out a pid that is still some group's id, so a live
 * group with this id is still ours.
 */
export async function stopProcessGroup(pid: number, graceMs = STOP_GRACE_MS): Promise<StopOutcome> {
  if (!Number.isInteger(pid) || pid <= 1) return 'failed';
  if (!groupAlive(pid)) return 'not-running';
  if (process.platform === 'win32') return stopProcessTree(pid);
  try {
    process.kill(-pid, 'SIGTERM');
  } catch {
    return groupAlive(pid) ? 'failed' : 'not-running';
  }
  if (await waitGone(pid, graceMs)) return 'stopped';
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Gone between the check and the kill.
  }
  return (await waitGone(pid, KILL_SETTLE_MS)) ? 'killed' : 'failed';
}

/** Bounds the taskkill run: it returns in well under a second, unless the machine is in trouble. */
const TASKKILL_TIMEOUT_MS = 10_000;

/**
 * taskkill's arguments for a whole process tree, by force: Windows has no SIGTERM for a console program (a
 * plain taskkill asks windows to close, and a server has none), so the tree goes at once.
 */
export function taskkillArgs(pid: number): string[] {
  return ['/PID', String(pid), '/T', '/F'];
}

/**
 * What taskkill's exit code says: 0 stopped (the only way there is, so not 'killed', which means "ignored
 * SIGTERM"), 128 no such process (it ended meanwhile), else failed.
 */
export function taskkillOutcome(exitCode: number | null): StopOutcome {
  if (exitCode === 0) return 'stopped';
  if (exitCode === 128) return 'not-running';
  return 'failed';
}

/** Windows: the shell and every process under it, with taskkill /T /F. */
async function stopProcessTree(pid: number): Promise<StopOutcome> {
  const result = await boundedExec('taskkill', taskkillArgs(pid), {
    timeoutMs: TASKKILL_TIMEOUT_MS,
    maxBytesPerStream: 16 * 1024,
  });
  const outcome = taskkillOutcome(result.exitCode);
  if (outcome !== 'failed') return outcome;
  return processRunning(pid) ? 'failed' : 'stopped';
}

async function waitProcessGone(pid: number, forMs: number): Promise<boolean> {
  const deadline = Date.now() + forMs;
  while (processRunning(pid)) {
    if (Date.now() >= deadline) return false;
    await pause(STOP_POLL_MS);
  }
  return true;
}

/**
 * Stops one process that is not a group leader of its own (a daemon that left the start command's group but
 * not its session): SIGTERM, then SIGKILL after the grace period. Bounded like stopProcessGroup.
 */
export async function stopProcess(pid: number, graceMs = STOP_GRACE_MS): Promise<StopOutcome> {
  if (!Number.isInteger(pid) || pid <= 1) return 'failed';
  if (!processRunning(pid)) return 'not-running';
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return processRunning(pid) ? 'failed' : 'not-running';
  }
  if (await waitProcessGone(pid, graceMs)) return 'stopped';
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Gone between the check and the kill.
  }
  return (await waitProcessGone(pid, KILL_SETTLE_MS)) ? 'killed' : 'failed';
}
