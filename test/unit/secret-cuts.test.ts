import { describe, expect, it } from 'vitest';
import { parseInputs } from '../../src/config/schema.js';
import { actionInputSecrets, cliInputSecrets } from '../../src/config/secrets.js';
import { LogReader } from '../../src/evidence/log-reader.js';
import { LOG_LINE_KEEP_CHARS } from '../../src/limits.js';
import { createRedactor, secretsInText } from '../../src/redact.js';
import { shownLogLine } from '../../src/report/text.js';

/** Every piece of `secret` this long or longer counts as "shown in part". */
const PIECE_CHARS = 6;

function piecesOf(secret: string): string[] {
  const pieces: string[] = [];
  for (let i = 0; i + PIECE_CHARS <= secret.length; i++) pieces.push(secret.slice(i, i + PIECE_CHARS));
  return pieces;
}

function expectNoPiece(shown: string, secret: string) {
  for (const piece of piecesOf(secret)) expect(shown, `shows "${piece}" of the secret`).not.toContain(piece);
}

describe('a long log line flushed in pieces never shows part of a secret', () => {
  // The reader flushes a line with no newline once it holds twice the kept length (log-reader.ts).
  const flushAtChars = LOG_LINE_KEEP_CHARS * 2;
  const secret = 'Zq8rT2vLm4Xn7Pw1Kd9sYb3';

  // A server writes the line in two pieces and the reader flushes after the first: the cut goes through the
  // secret at every offset.
  it.each([...Array(secret.length - 1).keys()].map((k) => k + 1))(
    'the cut %i characters into the secret',
    (cut) => {
      const reader = new LogReader(
        'server log',
        undefined,
        () => {},
        () => {},
        () => 0,
      );
      reader.push(`${'x'.repeat(flushAtChars)}${secret.slice(0, cut)}`);
      reader.push(`${secret.slice(cut)} and more text after it\nnext line\n`);
      reader.flush();
      const redact = createRedactor([secret]);
      const shown = reader
        .tail()
        .map((l) => shownLogLine(l, redact))
        .join('\n');
      expectNoPiece(shown, secret);
      expect(shown).toContain('next line');
    },
  );
});

describe('an input error never echoes the userinfo of a URL it could not parse', () => {
  // Base64 passwords hold "/" and "+", which end the authority for a URL parser.
  const password = 'ab/cD+eF==';
  it.each([
    `http://user:${password}@127.0.0.1:8000`,
    `https://user:${password}@gateway.example/v1?x=1`,
    `user:${password}@127.0.0.1:8000`,
    `--base-url=http://user:${password}@host`,
    `http://user:p@ss:${password}@host`,
  ])('%s', (input) => {
    const found = secretsInText(input);
    expect(found.some((s) => s.includes(password))).toBe(true);
    expectNoPiece(createRedactor(found)(`got "${input}"`), password);
  });

  it('a URL that parses gives exactly its own password, and a path with @ is no userinfo', () => {
    expect(secretsInText('http://u:s3cret@host/v1')).toEqual(['s3cret']);
    expect(secretsInText('http://host:8000/v1/models/org@rev')).toEqual([]);
    expect(secretsInText('org/model@rev --model a@b')).toEqual([]);
  });

  it('the action and the CLI both know it before parsing', () => {
    const url = `http://user:${password}@127.0.0.1:8000`;
    expect(actionInputSecrets({ 'INPUT_BASE-URL': url })).toContain(password);
    expect(cliInputSecrets([url], {})).toContain(password);
  });
});

describe('an api-key no HTTP header can carry is invalid-input at once', () => {
  it.each([
    { name: 'a line break inside', key: 'sk-abc\ndef0123', at: 7, code: '000A' },
    { name: 'a carriage return', key: 'sk-abc\rdef0123', at: 7, code: '000D' },
    { name: 'a NUL', key: 'sk-\u0000abcdef', at: 4, code: '0000' },
    { name: 'DEL', key: 'sk-abc\u007fdef', at: 7, code: '007F' },
    { name: 'a character outside Latin-1', key: 'sk-€uro-key', at: 4, code: '20AC' },
    { name: 'an emoji', key: 'sk-🔑-key', at: 4, code: '1F511' },
  ])('$name', ({ key, at, code }) => {
    const parsed = parseInputs({ 'api-key': key });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problems).toHaveLength(1);
    expect(parsed.problems[0]).toMatchObject({ input: 'api-key' });
    expect(parsed.problems[0]!.got).toBe(`a key whose character ${at} is U+${code}`);
    expectNoPiece(JSON.stringify(parsed.problems), key);
  });

  it.each([
    { name: 'Latin-1 letters and spaces', key: 'clé secrète' },
    { name: 'a trailing newline (a secret read from a file)', key: 'sk-abcdef0123\n' },
  ])('$name is a key a header carries', ({ key }) => {
    const parsed = parseInputs({ 'api-key': key });
    expect(parsed.ok && parsed.config.apiKey).toBe(key.trim());
  });
});
