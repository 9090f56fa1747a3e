// Real start-up failure logs that users pasted into public issue threads (test/fixtures/failure-logs: each
// with its source link, expected cause and the decisive line). Each runs through the path `start` and
// `log-file` use: the log reader, then diagnosis of a server that exited.
import { describe, expect, it } from 'vitest';
import { CAUSES } from '../../src/causes.js';
import { CORPUS, corpusLog, diagnoseLog, kindOf } from '../support/failure-corpus.js';

describe('the corpus of real failure logs', () => {
  it('is large and varied enough to mean something', () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(80);
    const kinds = new Set(CORPUS.map((e) => e.kind));
    for (const kind of ['vllm', 'sglang', 'tgi', 'ollama', 'llamacpp', 'litellm', 'localai'])
      expect(kinds).toContain(kind);
    expect(new Set(CORPUS.map((e) => e.platform))).toEqual(new Set(['linux', 'windows', 'macos']));
    for (const entry of CORPUS) {
      expect(CAUSES).toContain(entry.cause);
      expect(entry.source).toMatch(/^https:\/\//);
      expect(corpusLog(entry), entry.file).toContain(entry.decisive);
    }
  });

  it.each(CORPUS.map((entry) => ({ name: entry.file, entry })))('$name → its cause', ({ entry }) => {
    const log = corpusLog(entry);
    expect(diagnoseLog(log, kindOf(entry)).finding?.cause).toBe(entry.cause);
    // server: auto names it as well as the kind given.
    expect(diagnoseLog(log, undefined).finding?.cause).toBe(entry.cause);
  });
});
