import { STOP_GRACE_MS } from './limits.js';

export type StopOutcome = 'not-running' | 'stopped' | 'killed' | 'failed';

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Stops the process group a `start` command ran in: SIGTERM so the server can release the GPU and port
 * cleanly, then SIGKILL after a grace period. Bounded: returns within graceMs plus a moment.
 */
export async function stopProcessGroup(pid: number, graceMs = STOP_GRACE_MS): Promise<StopOutcome> {
  if (!Number.isInteger(pid) || pid <= 1) return 'failed';
  if (!groupAlive(pid)) return 'not-running';
  try {
    process.kill(-pid, 'SIGTERM');
  } catch {
    return groupAlive(pid) ? 'failed' : 'not-running';
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    if (!groupAlive(pid)) return 'stopped';
  }
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Gone between the check and the kill.
  }
  for (let i = 0; i < 20 && groupAlive(pid); i++) await new Promise((r) => setTimeout(r, 50));
  return groupAlive(pid) ? 'failed' : 'killed';
}
