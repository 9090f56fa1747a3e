import { describe, expect, it } from 'vitest';
import { settle, type DiagnoseContext } from '../../src/diagnose/index.js';
import { decide } from '../../src/diagnose/settle.js';
import { parseSocketAddress, socketReaches } from '../../src/diagnose/explain/where.js';
import { plainText } from '../../src/text.js';
import type { Evidence } from '../../src/types.js';

const refused = (atMs: number): Evidence => ({
  kind: 'attempt',
  atMs,
  stage: 'models',
  method: 'GET',
  url: 'http://127.0.0.1:8000/v1/models',
  result: {
    kind: 'error',
    code: 'ECONNREFUSED',
    message: 'connect ECONNREFUSED 127.0.0.1:8000',
    durationMs: 1,
  },
});
const listening = (addresses: string[]): Evidence => ({
  kind: 'listening',
  atMs: 50,
  pid: 4242,
  addresses,
  via: '/proc/net/tcp',
});
const refusals = [refused(10), refused(20), refused(30), refused(40), refused(60)];

function context(over: Partial<DiagnoseContext> = {}): DiagnoseContext {
  return {
    host: '127.0.0.1',
    port: 8000,
    root: 'http://127.0.0.1:8000',
    kind: undefined,
    requiredModels: [],
    apiKeyGiven: false,
    deadlineReached: true,
    timeoutMs: 60_000,
    watchingLogs: true,
    ...over,
  };
}

describe('refused where the server we started does not listen', () => {
  it('another port: one line naming both, and the corrected base-url', () => {
    const found = decide([...refusals, listening(['127.0.0.1:8080'])], context());
    expect(found?.rule.name).toBe('refused where ours does not listen');
    expect(found?.finding.cause).toBe('connection-refused');
    expect(plainText(found!.finding.summary)).toBe(
      'The server you started listens on 127.0.0.1:8080, base-url says 8000.',
    );
    expect(plainText(found!.finding.hint)).toContain('Set base-url to http://127.0.0.1:8080/v1');
  });

  it('a wildcard socket keeps base-url’s host; several ports: the kind’s default port is the likeliest', () => {
    const finding = settle([...refusals, listening(['0.0.0.0:4000', '127.0.0.1:39999'])], {
      ...context({ kind: 'litellm', host: 'localhost', root: 'http://localhost:8000' }),
    });
    expect(plainText(finding!.summary)).toBe(
      'The server you started listens on 0.0.0.0:4000, 127.0.0.1:39999, base-url says 8000.',
    );
    expect(plainText(finding!.hint)).toContain('Set base-url to http://localhost:4000/v1');
  });

  it('the right port on another address of this machine, or the reverse', () => {
    const onLoopback = settle(
      [...refusals, listening(['127.0.0.1:8000'])],
      context({ host: '10.1.0.5', root: 'http://10.1.0.5:8000' }),
    );
    expect(plainText(onLoopback!.summary)).toBe(
      'The server you started listens only on 127.0.0.1:8000, base-url says 10.1.0.5: nothing of it listens on that address.',
    );
    expect(plainText(onLoopback!.hint)).toMatch(
      /^Set base-url to http:\/\/127\.0\.0\.1:8000\/v1, or start the server on every address \(--host 0\.0\.0\.0/,
    );
    const onIpv6 = settle([...refusals, listening(['[::1]:8000'])], context());
    expect(plainText(onIpv6!.summary)).toContain('listens only on [::1]:8000, base-url says 127.0.0.1');
    expect(plainText(onIpv6!.hint)).toContain('http://[::1]:8000/v1');
  });

  it('says nothing before the deadline, when it listens where base-url points, or listens nowhere yet', () => {
    expect(
      decide([...refusals, listening(['127.0.0.1:8080'])], context({ deadlineReached: false }))?.rule.name,
    ).not.toBe('refused where ours does not listen');
    for (const addresses of [['127.0.0.1:8000'], ['[::]:8000'], []]) {
      expect(decide([...refusals, listening(addresses)], context())?.rule.name).toBe('last attempt due');
    }
  });
});

describe('which listening socket takes a connection', () => {
  it.each([
    ['127.0.0.1:8000', '127.0.0.1', true],
    ['127.0.0.1:8000', 'localhost', true],
    ['[::1]:8000', 'localhost', true],
    ['[::1]:8000', '127.0.0.1', false],
    ['0.0.0.0:8000', '10.1.0.5', true],
    ['0.0.0.0:8000', '[::1]', false],
    ['[::]:8000', '[::1]', true],
    ['[::]:8000', '127.0.0.1', true],
    ['127.0.0.1:8000', '127.0.0.2', false],
    ['127.0.0.1:8001', '127.0.0.1', false],
  ])('%s takes %s:8000: %s', (hostPort, host, reaches) => {
    expect(socketReaches(parseSocketAddress(hostPort)!, host, 8000)).toBe(reaches);
  });
});
