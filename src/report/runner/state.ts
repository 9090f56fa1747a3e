/** Keys saved by the main step for the post step (GITHUB_STATE → STATE_<key>). */
export const STATE = {
  serverPid: 'serverPid',
  logFile: 'logFile',
  /** Bytes of the server log the main step had read: the post step shows only what came after. */
  logOffset: 'logOffset',
} as const;
