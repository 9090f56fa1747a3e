import { describe, expect, it } from 'vitest';
import { settle, type DiagnoseContext } from '../../src/diagnose/index.js';
import { unseenDifference } from '../../src/diagnose/explain/models.js';
import { runCli } from '../../src/entry/cli.js';
import { plainText } from '../../src/text.js';
import { startFakeServer } from '../support/fake-server.js';

/**
 * A model id that reads like the one the server serves but is not it: a zero-width space pasted along with
 * it, a Cyrillic letter, a fullwidth one. The "did you mean" names the character nobody can see, and where.
 */

const context = (requiredModels: string[]): DiagnoseContext => ({
  host: '127.0.0.1',
  port: 8000,
  root: 'http://127.0.0.1:8000/v1',
  kind: undefined,
  requiredModels,
  apiKeyGiven: false,
  deadlineReached: false,
  timeoutMs: 60_000,
  watchingLogs: false,
});

const summaryFor = (required: string, served: string) =>
  plainText(settle([{ kind: 'models', atMs: 0, served: [served, 'other'] }], context([required]))!.summary);

describe('a "did you mean" whose suggestion looks the same as the request', () => {
  it.each([
    {
      name: 'a zero-width space in the requested id',
      required: 'llam\u200ba3',
      served: 'llama3',
      says: 'It differs only by an invisible character U+200B at position 5 of the requested id.',
    },
    {
      name: 'a zero-width joiner in the served id',
      required: 'llama3',
      served: 'llama3\u200d',
      says: 'It differs only by an invisible character U+200D at position 7 of the served id.',
    },
    {
      name: 'a Cyrillic а for a Latin a',
      required: 'll\u0430ma3',
      served: 'llama3',
      says: 'It differs only by a look-alike character U+0430 (not "a") at position 3 of the requested id.',
    },
    {
      name: 'a fullwidth digit in the served id',
      required: 'llama3',
      served: 'llama\uff13',
      says: 'It differs only by a look-alike character U+FF13 (not "3") at position 6 of the served id.',
    },
    {
      name: 'a byte-order mark and an en dash',
      required: '\ufeffqwen\u20132',
      served: 'qwen-2',
      says: 'It differs only by characters you cannot tell apart: an invisible character U+FEFF at position 1 of the requested id, a look-alike character U+2013 (not "-") at position 6 of the requested id.',
    },
  ])('$name: says which character, and where', ({ required, served, says }) => {
    const summary = summaryFor(required, served);
    expect(summary).toContain(`did you mean "${served}"? ${says}`);
  });

  it('a suggestion that differs in what a reader sees says nothing more', () => {
    expect(summaryFor('qwen/qwen2.5', 'Qwen/Qwen2.5')).toBe(
      '"qwen/qwen2.5" is not served; did you mean "Qwen/Qwen2.5"? The server lists: Qwen/Qwen2.5, other.',
    );
    expect(unseenDifference('llama3', 'llama3')).toBeUndefined();
    expect(unseenDifference('llama3', 'llama4')).toBeUndefined();
  });

  it('many unseen differences: the first three, and a word that there are more', () => {
    const said = plainText(unseenDifference('a\u200bb\u200bc\u200bd\u200be', 'abcde')!);
    expect(said.match(/U\+200B/g)).toHaveLength(3);
    expect(said).toContain(', and more.');
  });
});

describe('through the CLI against a server that lists an id with a zero-width space', () => {
  it('the terminal shows the character as \\u{200b} and the sentence names it', async () => {
    await using server = await startFakeServer({ kind: 'vllm', models: ['Qwen/Qwen2.5\u200b-0.5B'] });
    let stderr = '';
    const code = await runCli([server.url, '--model', 'Qwen/Qwen2.5-0.5B', '--timeout', '5s'], {
      stdout: { write: () => true },
      stderr: { write: (t: string) => (stderr += t) },
      env: {},
    });
    expect(code).toBe(1);
    expect(stderr).toContain('✘ not ready: model-not-found');
    expect(stderr).toContain(
      'did you mean "Qwen/Qwen2.5\\u{200b}-0.5B"? It differs only by an invisible character U+200B at position 13 of the served id.',
    );
    expect(stderr).not.toContain('\u200b-');
  });
});
