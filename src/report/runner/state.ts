/** Keys saved by the main step for the post step (GITHUB_STATE → STATE_<key>). */
export const STATE = {
  serverPid: 'serverPid',
  logFile: 'logFile',
} as const;
