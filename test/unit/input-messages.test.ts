import { describe, expect, it } from 'vitest';
import { durationInputText } from '../../src/config/duration.js';
import { parseInputs, type RawInputs } from '../../src/config/schema.js';
import { runCli } from '../../src/entry/cli.js';

/** The one problem a bad input gives, as the user reads it. */
function problemOf(inputs: RawInputs): string {
  const parsed = parseInputs(inputs);
  expect(parsed.ok).toBe(false);
  if (parsed.ok) return '';
  expect(parsed.problems).toHaveLength(1);
  return parsed.problems[0]!.message;
}

describe('durations in messages read as people write them', () => {
  it.each([
    { ms: 100, text: '100ms' },
    { ms: 1000, text: '1s' },
    { ms: 90_000, text: '1m30s' },
    { ms: 600_000, text: '10m' },
    { ms: 6 * 3_600_000, text: '6h' },
    { ms: 3_600_000 + 1500, text: '1h1s500ms' },
    { ms: 0, text: '0ms' },
  ])('$ms ms is $text', ({ ms, text }) => {
    expect(durationInputText(ms)).toBe(text);
  });

  it.each([
    { inputs: { 'request-timeout': '11m' }, says: 'must be between 100ms and 10m' },
    { inputs: { 'request-timeout': '50ms' }, says: 'must be between 100ms and 10m' },
    { inputs: { timeout: '7h' }, says: 'must be between 1s and 6h' },
    { inputs: { timeout: '0' }, says: 'must be between 1s and 6h' },
  ])('$inputs: "$says"', ({ inputs, says }) => {
    const message = problemOf(inputs);
    expect(message).toBe(says);
    // The limit in the message is itself a valid value of the input.
    const limit = message.split(' and ')[1]!;
    expect(parseInputs({ ...Object.fromEntries(Object.keys(inputs).map((k) => [k, limit])) }).ok).toBe(true);
  });
});

describe('base-url that parses but names nothing a server can listen on', () => {
  it.each([
    { url: 'http://127.0.0.1:0', says: 'has port 0, which no server listens on: ports run from 1 to 65535' },
    {
      url: 'http://127.0.0.1:00/v1',
      says: 'has port 0, which no server listens on: ports run from 1 to 65535',
    },
    { url: 'http://ok:8000\nhttp://[::1]:0 = m', says: 'has port 0, which no server listens on' },
    { url: 'http://h:65536', says: 'has port 65536, which is not a port: ports run from 1 to 65535' },
    { url: 'http://u:p@h:99999/v1', says: 'has port 99999, which is not a port' },
    { url: 'http://224.0.0.1:8000', says: 'names 224.0.0.1, a multicast address: TCP cannot connect to it' },
    { url: 'http://[ff02::1]:8000', says: 'names ff02::1, a multicast address' },
    { url: 'http://255.255.255.255:8000', says: 'names 255.255.255.255, a broadcast address' },
  ])('$url', ({ url, says }) => {
    expect(problemOf({ 'base-url': url })).toContain(says);
  });

  it('a password in such a URL is never echoed by the message', () => {
    expect(problemOf({ 'base-url': 'http://user:s3cret-pass@h:70000' })).not.toContain('s3cret');
  });

  it('the ports and addresses a server can use are accepted', () => {
    for (const url of ['http://127.0.0.1:1', 'http://h:65535', 'http://0.0.0.0:8000', 'http://[::1]:8000'])
      expect(parseInputs({ 'base-url': url }).ok, url).toBe(true);
  });

  it('the CLI: exit 2 at once, one line naming --base-url, no request sent', async () => {
    let stderr = '';
    const code = await runCli(['http://127.0.0.1:0', '--timeout', '10m'], {
      stdout: { write: () => true },
      stderr: { write: (t: string) => (stderr += t) },
      env: {},
    });
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toEqual([
      'llm-preflight: --base-url has port 0, which no server listens on: ports run from 1 to 65535; got "http://127.0.0.1:0". For example: --base-url http://127.0.0.1:8000',
    ]);
  });
});
