/** Keys saved by the main step for the post step (GITHUB_STATE → STATE_<key>). */
export const STATE = {
  serverPid: 'serverPid',
  logFile: 'logFile',
  /** What the server was when the gate passed, as JSON (entry/gate-state.ts): the post step compares. */
  gate: 'gate',
  /** Pids a start command left running outside its process group (setsid, a daemon), comma-separated. */
  leftPids: 'leftPids',
  /** The container a `docker run -d` start command left running. */
  containerId: 'containerId',
  /** Bytes of the server log the main step had read: the post step shows only what came after. */
  logOffset: 'logOffset',
} as const;
