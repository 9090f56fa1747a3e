export { classifyAttempt } from './classify.js';
export type { DiagnoseContext } from './context.js';
export { settle } from './settle.js';
