import type { SummaryExtras } from '../../src/report/present.js';
import { quote, Text } from '../../src/text.js';
import type { Evidence, PreflightResult } from '../../src/types.js';

/** A failed run whose every server- or user-provided string carries `text`. */
export function resultCarrying(text: (n: number) => string): {
  result: PreflightResult;
  extras: SummaryExtras;
} {
  const attempt = (n: number, body: string): Evidence => ({
    kind: 'attempt',
    atMs: n * 100,
    stage: 'models',
    method: 'GET',
    url: `http://127.0.0.1:8000/v1/models?x=${text(n)}`,
    result: {
      kind: 'http',
      status: 503,
      headers: { server: text(n + 1) },
      body,
      truncated: false,
      durationMs: 3,
    },
    problem: text(n + 2),
  });
  const evidence: Evidence[] = [
    attempt(1, text(10)),
    { kind: 'log', atMs: 500, source: 'server log', line: text(20), cause: 'out-of-memory', fatal: true },
    { kind: 'models', atMs: 600, served: [text(30), 'llama3.2', text(31)] },
    { kind: 'note', atMs: 700, text: new Text(['note: ', quote(text(40))]) },
    { kind: 'exit', atMs: 800, code: 1, signal: null, ended: 'not-started', reason: text(50) },
  ];
  const result: PreflightResult = {
    ready: false,
    finding: {
      cause: 'out-of-memory',
      summary: new Text(['server log says: ', quote(text(60))]),
      hint: new Text([quote(text(61))]),
      evidence,
    },
    endpoints: [
      {
        baseUrl: 'http://127.0.0.1:8000/v1',
        ready: false,
        finding: {
          cause: 'out-of-memory',
          summary: new Text([quote(text(62))]),
          hint: new Text([quote(text(63))]),
          evidence: [],
        },
        server: 'vllm',
        serverVersion: text(70),
        models: [text(71), 'qwen'],
        smoke: [{ model: text(72), ok: true, totalMs: 5, text: text(73) }],
        elapsedMs: 900,
        timeline: evidence,
      },
    ],
    elapsedMs: 900,
    warnings: [new Text(['warning: ', quote(text(80))])],
  };
  return {
    result,
    extras: { tails: [{ source: 'server log', lines: [text(90), text(91)] }], logFile: '/tmp/server.log' },
  };
}
