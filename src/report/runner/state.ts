/** Keys saved by the main step for the post step (GITHUB_STATE → STATE_<key>). */
export const STATE = {
  serverPid: 'serverPid',
  logFile: 'logFile',
  /** What the server was when the gate passed, as JSON (entry/gate-state.ts): the post step compares. */
  gate: 'gate',
} as const;
