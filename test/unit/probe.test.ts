import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyError } from '../../src/net/errors.js';
import { noProxyMatches, proxyFor } from '../../src/net/proxy-env.js';
import { PROBE_ERROR_CODES } from '../../src/types.js';

describe('proxyFor', () => {
  const PROXY = 'http://proxy.corp:3128';
  it.each<{
    name: string;
    url: string;
    env: Record<string, string>;
    loopback?: boolean;
    out: { url: string; variable: string } | undefined;
  }>([
    {
      name: 'HTTP_PROXY for http',
      url: 'http://llm.internal:8000',
      env: { HTTP_PROXY: PROXY },
      out: { url: PROXY, variable: 'HTTP_PROXY' },
    },
    {
      name: 'lower case wins',
      url: 'http://llm.internal:8000',
      env: { HTTP_PROXY: 'http://upper:1', http_proxy: PROXY },
      out: { url: PROXY, variable: 'http_proxy' },
    },
    {
      name: 'HTTPS_PROXY for https',
      url: 'https://llm.internal',
      env: { HTTP_PROXY: 'http://no:1', HTTPS_PROXY: PROXY },
      out: { url: PROXY, variable: 'HTTPS_PROXY' },
    },
    {
      name: 'HTTP_PROXY is not used for https',
      url: 'https://llm.internal',
      env: { HTTP_PROXY: PROXY },
      out: undefined,
    },
    {
      name: 'ALL_PROXY as the fallback',
      url: 'http://llm.internal',
      env: { ALL_PROXY: PROXY },
      out: { url: PROXY, variable: 'ALL_PROXY' },
    },
    {
      name: 'a value without a scheme is an http proxy',
      url: 'http://llm.internal',
      env: { HTTP_PROXY: 'proxy.corp:3128' },
      out: { url: PROXY, variable: 'HTTP_PROXY' },
    },
    {
      name: 'blank values are unset',
      url: 'http://llm.internal',
      env: { http_proxy: '  ', HTTP_PROXY: PROXY },
      out: { url: PROXY, variable: 'HTTP_PROXY' },
    },
    {
      name: 'loopback never goes through a proxy',
      url: 'http://127.0.0.1:8000',
      env: { HTTP_PROXY: PROXY },
      loopback: true,
      out: undefined,
    },
    {
      name: 'NO_PROXY lists the host',
      url: 'http://llm.internal:8000',
      env: { HTTP_PROXY: PROXY, NO_PROXY: 'llm.internal' },
      out: undefined,
    },
    {
      name: 'an empty no_proxy does not hide NO_PROXY',
      url: 'http://llm.internal:8000',
      env: { HTTP_PROXY: PROXY, no_proxy: '', NO_PROXY: 'llm.internal' },
      out: undefined,
    },
    {
      name: 'no proxy variable at all',
      url: 'http://llm.internal:8000',
      env: { NO_PROXY: 'x' },
      out: undefined,
    },
  ])('$name', ({ url, env, loopback, out }) => {
    expect(proxyFor(new URL(url), env, loopback ?? false)).toEqual(out);
  });
});

describe('noProxyMatches', () => {
  it.each([
    { name: 'exact host', url: 'http://vllm:8000', noProxy: 'vllm', out: true },
    { name: 'case-insensitive', url: 'http://LLM.Internal', noProxy: 'llm.internal', out: true },
    { name: 'another host', url: 'http://vllm:8000', noProxy: 'sglang', out: false },
    { name: 'domain suffix', url: 'http://gpu1.corp.example', noProxy: 'corp.example', out: true },
    {
      name: 'leading dot matches subdomains',
      url: 'http://gpu1.corp.example',
      noProxy: '.corp.example',
      out: true,
    },
    {
      name: 'leading dot matches the domain itself',
      url: 'http://corp.example',
      noProxy: '.corp.example',
      out: true,
    },
    { name: '*. wildcard', url: 'http://gpu1.corp.example', noProxy: '*.corp.example', out: true },
    {
      name: 'a suffix that is not a label boundary',
      url: 'http://notcorp.example',
      noProxy: 'corp.example',
      out: false,
    },
    { name: 'host:port, same port', url: 'http://vllm:8000', noProxy: 'vllm:8000', out: true },
    { name: 'host:port, other port', url: 'http://vllm:8000', noProxy: 'vllm:9000', out: false },
    { name: 'default port of https', url: 'https://vllm', noProxy: 'vllm:443', out: true },
    { name: 'star', url: 'http://anything', noProxy: '*', out: true },
    { name: 'spaces and commas', url: 'http://vllm:8000', noProxy: 'localhost, 127.0.0.1  vllm', out: true },
    { name: 'empty', url: 'http://vllm:8000', noProxy: '', out: false },
    { name: 'bare IPv6 address', url: 'http://[fd00::5]:8000', noProxy: 'localhost,fd00::5', out: true },
    { name: 'bracketed IPv6 with port', url: 'http://[fd00::5]:8000', noProxy: '[fd00::5]:8000', out: true },
    {
      name: 'bare IPv6 is not read as host ":" port',
      url: 'http://[fd00::1]:8000',
      noProxy: 'fd00::5',
      out: false,
    },
    { name: 'IPv4 CIDR, inside', url: 'http://10.1.2.3:8000', noProxy: '10.0.0.0/8', out: true },
    { name: 'IPv4 CIDR, outside', url: 'http://11.1.2.3:8000', noProxy: '10.0.0.0/8', out: false },
    { name: 'IPv4 /32', url: 'http://192.168.1.7', noProxy: '192.168.1.7/32', out: true },
    { name: 'CIDR does not match a name', url: 'http://vllm', noProxy: '10.0.0.0/8', out: false },
  ])('$name', ({ url, noProxy, out }) => {
    expect(noProxyMatches(new URL(url), noProxy)).toBe(out);
  });
});

const coded = (code: string, message = `${code} happened`) => Object.assign(new Error(message), { code });

describe('classifyError', () => {
  it.each<{ name: string; error: unknown; timedOut?: boolean; aborted?: boolean; code: string }>([
    {
      name: 'refused',
      error: coded('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:8000'),
      code: 'ECONNREFUSED',
    },
    {
      name: 'refused on both families (autoSelectFamily AggregateError, no code of its own)',
      error: new AggregateError([
        coded('ECONNREFUSED', 'connect ECONNREFUSED ::1:8000'),
        coded('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:8000'),
      ]),
      code: 'ECONNREFUSED',
    },
    {
      name: 'fetch failed wrapping ENOTFOUND',
      error: Object.assign(new TypeError('fetch failed'), {
        cause: coded('ENOTFOUND', 'getaddrinfo ENOTFOUND vllm'),
      }),
      code: 'ENOTFOUND',
    },
    { name: 'EAI_AGAIN', error: coded('EAI_AGAIN'), code: 'EAI_AGAIN' },
    {
      name: 'self-signed certificate',
      error: coded('DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate'),
      code: 'TLS',
    },
    {
      name: 'https to a plain-HTTP port',
      error: coded('ERR_SSL_WRONG_VERSION_NUMBER', 'wrong version number'),
      code: 'TLS',
    },
    { name: 'hostname mismatch', error: coded('ERR_TLS_CERT_ALTNAME_INVALID'), code: 'TLS' },
    {
      name: 'CONNECT answered with 502',
      error: coded('UND_ERR_ABORTED', 'Proxy response (502) !== 200 when HTTP Tunneling'),
      code: 'PROXY',
    },
    { name: 'proxy connection error', error: coded('UND_ERR_PRX_CONN'), code: 'PROXY' },
    { name: 'connect timeout', error: coded('UND_ERR_CONNECT_TIMEOUT'), code: 'CONNECT_TIMEOUT' },
    { name: 'headers timeout', error: coded('UND_ERR_HEADERS_TIMEOUT'), code: 'TIMEOUT' },
    { name: 'body timeout', error: coded('UND_ERR_BODY_TIMEOUT'), code: 'TIMEOUT' },
    {
      name: 'our own timeout signal',
      error: new DOMException('The operation was aborted due to timeout', 'TimeoutError'),
      timedOut: true,
      code: 'TIMEOUT',
    },
    {
      name: 'abandoned by the caller',
      error: new DOMException('This operation was aborted', 'AbortError'),
      aborted: true,
      code: 'ABORTED',
    },
    {
      name: 'timeout wins over an abandon at the same time',
      error: new DOMException('aborted'),
      timedOut: true,
      aborted: true,
      code: 'TIMEOUT',
    },
    {
      name: 'socket closed by the other side',
      error: coded('UND_ERR_SOCKET', 'other side closed'),
      code: 'ECONNRESET',
    },
    { name: 'reset', error: coded('ECONNRESET', 'read ECONNRESET'), code: 'ECONNRESET' },
    { name: 'unreachable', error: coded('ENETUNREACH'), code: 'EHOSTUNREACH' },
    { name: 'not HTTP at all', error: coded('HPE_INVALID_CONSTANT', 'Expected HTTP/'), code: 'BAD_HTTP' },
    {
      name: 'content-length mismatch',
      error: coded('UND_ERR_RES_CONTENT_LENGTH_MISMATCH'),
      code: 'BAD_HTTP',
    },
    { name: 'an unknown code is ERROR', error: coded('EWHATEVER'), code: 'ERROR' },
    { name: 'not even an Error', error: 'boom', code: 'ERROR' },
  ])('$name', ({ error, timedOut, aborted, code }) => {
    expect(classifyError(error, timedOut ?? false, aborted ?? false).code).toBe(code);
  });

  it('an unknown code is kept in the message, so the report still shows what Node said', () => {
    expect(classifyError(coded('EWHATEVER'), false, false).message).toMatch(/EWHATEVER/);
  });

  it('quotes the error that carries the code, not its wrapper', () => {
    const error = Object.assign(new TypeError('fetch failed'), {
      cause: coded('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:8000'),
    });
    expect(classifyError(error, false, false).message).toBe('connect ECONNREFUSED 127.0.0.1:8000');
    const aggregate = new AggregateError([coded('ECONNREFUSED', 'connect ECONNREFUSED ::1:8000')], '');
    expect(classifyError(aggregate, false, false).message).toBe('connect ECONNREFUSED ::1:8000');
  });
});

// ── classifyError on anything ──────────────────────────────────────────────────────────────────────────────

/** Codes Node and undici use, so the rules are reached, mixed with anything at all. */
const someCode = fc.oneof(
  fc.constantFrom(
    'ECONNREFUSED',
    'ENOTFOUND',
    'UND_ERR_PRX_CONN',
    'UND_ERR_SOCKET',
    'ERR_TLS_CERT_ALTNAME_INVALID',
    'UND_ERR_HEADERS_TIMEOUT',
    'HPE_INVALID_CONSTANT',
    'EWHATEVER',
  ),
  fc.string({ maxLength: 12 }),
  fc.anything(),
);
const someMessage = fc.oneof(
  fc.constantFrom('', '  ', 'fetch failed', 'Proxy response (502) !== 200', 'self-signed certificate'),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.anything(),
);

/** Errors, plain objects, null-prototype objects and AggregateErrors, nested through `cause` and `errors`. */
const errorLike = fc.letrec<{ node: unknown }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.anything({ withNullPrototype: true, maxDepth: 2 }),
    fc
      .record(
        {
          shape: fc.constantFrom(
            'Error',
            'AggregateError',
            'plain',
            'null-prototype',
            'unprintable',
            'throwing getter',
          ),
          code: someCode,
          message: someMessage,
          cause: tie('node'),
          errors: fc.oneof(fc.array(tie('node'), { maxLength: 3 }), fc.anything()),
        },
        { requiredKeys: ['shape'] },
      )
      .map(({ shape, ...fields }) => {
        const base =
          shape === 'Error'
            ? new Error()
            : shape === 'AggregateError'
              ? new AggregateError([])
              : shape === 'null-prototype'
                ? Object.create(null)
                : shape === 'unprintable'
                  ? { toString: 'not a function', valueOf: 'nor this' }
                  : {};
        const node = Object.assign(base, fields);
        if (shape === 'throwing getter') {
          Object.defineProperty(node, 'code', {
            get() {
              throw new Error('no code for you');
            },
          });
        }
        return node;
      }),
  ),
}));

/** Makes `cause` of the k-th object in the tree point back at the root (or at the object itself). */
function withCycle(root: unknown, k: number, toSelf: boolean): unknown {
  const objects: object[] = [];
  const seen = new Set<unknown>();
  const collect = (value: unknown) => {
    if (!value || typeof value !== 'object' || seen.has(value)) return;
    seen.add(value);
    objects.push(value);
    collect(Object.getOwnPropertyDescriptor(value, 'cause')?.value);
    const errors = Object.getOwnPropertyDescriptor(value, 'errors')?.value;
    if (Array.isArray(errors)) errors.forEach(collect);
  };
  collect(root);
  const target = objects[k % Math.max(1, objects.length)];
  if (target && Object.isExtensible(target)) {
    Object.defineProperty(target, 'cause', { value: toSelf ? target : root, configurable: true });
  }
  return root;
}

describe('classifyError on any error-like value', () => {
  it('never throws, and always names a known code with a message', () => {
    fc.assert(
      fc.property(
        errorLike.node,
        fc.nat(),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        (tree, k, toSelf, timedOut, aborted) => {
          const error = withCycle(tree, k, toSelf);
          const { code, message } = classifyError(error, timedOut, aborted);
          expect(PROBE_ERROR_CODES).toContain(code);
          expect(typeof message).toBe('string');
        },
      ),
      { numRuns: 500 },
    );
  });
});
