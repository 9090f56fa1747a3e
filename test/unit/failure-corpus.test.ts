// Real start-up failure logs that users pasted into public issue threads (test/fixtures/failure-logs: each
// with its source link, expected cause and the decisive line). Each runs through the path `start` and
// `log-file` use: the log reader, then diagnosis of a server that exited.
import { describe, expect, it } from 'vitest';
import { Text } from '../../src/text.js';
import { CAUSES } from '../../src/causes.js';
import { messageOf } from '../../src/evidence/log-line-shape.js';
import { plainText } from '../../src/text.js';
import { CORPUS, corpusLog, diagnoseLog, kindOf, type CorpusEntry } from '../support/failure-corpus.js';

const flat = (text: string) => text.replace(/\s+/g, ' ').trim();

/** Does "What is wrong" quote the decisive line? Its middle, as a quote may begin after a logger's prefix. */
function quotesDecisive(entry: CorpusEntry): boolean {
  const summary = flat(
    plainText(diagnoseLog(corpusLog(entry), kindOf(entry)).finding?.summary ?? new Text([])),
  );
  const decisive = flat(messageOf(entry.decisive));
  const middle = decisive.slice(Math.max(0, decisive.length / 2 - 16), decisive.length / 2 + 16);
  return summary.includes(middle);
}

/**
 * Logs whose summary quotes another line than the corpus names, each for a reason of its own. The list may
 * only shrink: a log that starts quoting its decisive line fails this test until it is taken off.
 */
const QUOTES_ANOTHER_LINE: Record<string, string> = {
  'vllm/v0-gated-llama2-quickstart.log': 'quotes the first of two lines that both say the repo is gated',
  'vllm/product-runpod-trust-remote-code-eof.log':
    'quotes the first of two lines that both say the model needs trust_remote_code',
  'vllm/distributed-port-eaddrinuse.log':
    'quotes OSError: [Errno 98] (port-in-use, right) rather than the later line that names port 29500',
  'tgi/runpod-nccl-watchdog-timeout.log':
    "quotes NCCL's last ERROR line (taking the process down) rather than the watchdog timeout before it",
};

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

  it('quotes the decisive line of every log but the few listed, each with its reason', () => {
    const missed = CORPUS.filter((entry) => !quotesDecisive(entry)).map((entry) => entry.file);
    expect(missed.sort()).toEqual(Object.keys(QUOTES_ANOTHER_LINE).sort());
  });

  it.each(CORPUS.map((entry) => ({ name: entry.file, entry })))('$name → its cause', ({ entry }) => {
    const log = corpusLog(entry);
    expect(diagnoseLog(log, kindOf(entry)).finding?.cause).toBe(entry.cause);
    // server: auto names it as well as the kind given.
    expect(diagnoseLog(log, undefined).finding?.cause).toBe(entry.cause);
  });
});
