// The corpus of real start-up failure logs (test/fixtures/failure-logs/index.json): each log as the started
// server's output, read by the same LogReader that `start` and `log-file` use, then settled as the engine
// settles a dead start.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SERVER_KINDS, type Cause, type ServerKind } from '../../src/causes.js';
import { settle, type DiagnoseContext } from '../../src/diagnose/index.js';
import { LogReader } from '../../src/evidence/log-reader.js';
import type { Evidence, Finding } from '../../src/types.js';

export interface CorpusEntry {
  file: string;
  kind: string;
  source: string;
  cause: Cause;
  decisive: string;
  platform: string;
  wrapper: string;
  format: string;
  note?: string;
}

const DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/failure-logs');

export const CORPUS: CorpusEntry[] = JSON.parse(readFileSync(path.join(DIR, 'index.json'), 'utf8'));

export function corpusLog(entry: CorpusEntry): string {
  return readFileSync(path.join(DIR, entry.file), 'utf8');
}

/** The finding for a log, as if the started server printed it and exited with code 1. */
export function diagnoseLog(
  text: string,
  kind: ServerKind | undefined,
): { finding: Finding | undefined; evidence: Evidence[] } {
  const evidence: Evidence[] = [];
  let at = 0;
  const reader = new LogReader(
    'server log',
    kind,
    (ev) => evidence.push(ev),
    () => {},
    () => at++,
  );
  reader.push(text.endsWith('\n') ? text : text + '\n');
  reader.flush();
  evidence.push({ kind: 'exit', atMs: at++, code: 1, signal: null, ended: 'shell' });
  const ctx: DiagnoseContext = {
    host: '127.0.0.1',
    port: 8000,
    root: 'http://127.0.0.1:8000',
    kind,
    requiredModels: [],
    apiKeyGiven: false,
    deadlineReached: false,
    timeoutMs: 600_000,
    watchingLogs: true,
  };
  return { finding: settle(evidence, ctx), evidence };
}

export function kindOf(entry: CorpusEntry): ServerKind | undefined {
  // LM Studio logs are read as any server's (its profile has no signatures of its own).
  return (SERVER_KINDS as readonly string[]).includes(entry.kind) ? (entry.kind as ServerKind) : undefined;
}
