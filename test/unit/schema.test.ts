import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { INPUT_DEFAULTS, INPUT_NAMES, parseInputs } from '../../src/config/schema.js';
import { parseDurationMs } from '../../src/config/duration.js';
import { ROOT } from '../support/action-runner.js';

describe('inputs', () => {
  it('action.yml declares every input with the schema default, and nothing else', () => {
    const manifest = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as {
      inputs: Record<string, { default?: string; description?: string }>;
    };
    expect(Object.keys(manifest.inputs).sort()).toEqual([...INPUT_NAMES].sort());
    for (const name of INPUT_NAMES) {
      expect(manifest.inputs[name]!.default, name).toBe(INPUT_DEFAULTS[name]);
      expect(manifest.inputs[name]!.description?.length, name).toBeGreaterThan(20);
    }
  });

  it('applies defaults for empty strings, as the runner sends them', () => {
    const parsed = parseInputs({ 'base-url': '', timeout: '', smoke: '' });
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.config.timeoutMs).toBe(600_000);
    expect(parsed.config.requestTimeoutMs).toBe(5_000);
    expect(parsed.config.endpoints[0]!.apiBase).toBe('http://127.0.0.1:8000/v1');
    expect(parsed.config.smoke).toBe(false);
    expect(parsed.config.exportEnv).toBe(true);
  });

  it.each([
    { name: 'bare seconds', text: '90', ms: 90_000 },
    { name: 'seconds', text: '90s', ms: 90_000 },
    { name: 'minutes', text: '10m', ms: 600_000 },
    { name: 'hours', text: '1h', ms: 3_600_000 },
    { name: 'compound', text: '1m30s', ms: 90_000 },
    { name: 'milliseconds', text: '250ms', ms: 250 },
    { name: 'fraction', text: '1.5', ms: 1_500 },
    { name: 'word', text: 'soon', ms: undefined },
    { name: 'negative', text: '-5', ms: undefined },
    { name: 'empty', text: '', ms: undefined },
  ])('duration: $name', ({ text, ms }) => {
    expect(parseDurationMs(text)).toBe(ms);
  });

  it.each([
    { name: 'with /v1', url: 'http://localhost:8000/v1', root: 'http://localhost:8000' },
    { name: 'with /v1/', url: 'http://localhost:8000/v1/', root: 'http://localhost:8000' },
    { name: 'bare', url: 'http://localhost:8000', root: 'http://localhost:8000' },
    { name: 'path prefix', url: 'https://gw.example.com/llm/v1', root: 'https://gw.example.com/llm' },
    { name: 'service label', url: 'http://vllm:8000', root: 'http://vllm:8000' },
  ])('base-url normalises: $name', ({ url, root }) => {
    const parsed = parseInputs({ 'base-url': url });
    expect(parsed.ok && parsed.config.endpoints[0]!.root).toBe(root);
    expect(parsed.ok && parsed.config.endpoints[0]!.apiBase).toBe(`${root}/v1`);
  });

  it('takes credentials out of the URL and marks them secret', () => {
    const parsed = parseInputs({ 'base-url': 'https://user:p%40ss-word@gw.example.com/v1?key=abc123xyz' });
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const endpoint = parsed.config.endpoints[0]!;
    expect(endpoint.root).toBe('https://gw.example.com');
    expect(endpoint.secrets).toEqual(expect.arrayContaining(['p@ss-word', 'abc123xyz']));
    expect(endpoint.basicAuth).toBe(Buffer.from('user:p@ss-word').toString('base64'));
  });

  it('reads several endpoints, each with its own models', () => {
    const parsed = parseInputs({ 'base-url': 'http://localhost:8000 = a, b\nhttp://localhost:8001\n' });
    expect(parsed.ok && parsed.config.endpoints.map((e) => [e.root, e.models])).toEqual([
      ['http://localhost:8000', ['a', 'b']],
      ['http://localhost:8001', []],
    ]);
  });

  it('splits models on commas and lines', () => {
    const parsed = parseInputs({ model: 'a, b\n c \n\n' });
    expect(parsed.ok && parsed.config.models).toEqual(['a', 'b', 'c']);
  });

  it.each([
    { name: 'timeout word', inputs: { timeout: 'soon' }, input: 'timeout', example: '10m' },
    {
      name: 'ftp url',
      inputs: { 'base-url': 'ftp://host/x' },
      input: 'base-url',
      example: 'http://127.0.0.1:8000',
    },
    {
      name: 'url without scheme',
      inputs: { 'base-url': 'localhost:8000' },
      input: 'base-url',
      example: 'http://127.0.0.1:8000',
    },
    { name: 'boolean maybe', inputs: { smoke: 'maybe' }, input: 'smoke', example: 'true' },
    { name: 'unknown server', inputs: { server: 'triton' }, input: 'server', example: 'vllm' },
    { name: 'zero timeout', inputs: { timeout: '0' }, input: 'timeout', example: '10m' },
    { name: 'timeout over 6h', inputs: { timeout: '7h' }, input: 'timeout', example: '10m' },
  ])('bad input is one problem naming the input: $name', ({ inputs, input, example }) => {
    const parsed = parseInputs(inputs);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problems).toHaveLength(1);
    expect(parsed.problems[0]).toMatchObject({ input, example });
  });

  it('accepts server names case-insensitively, and llama.cpp spellings', () => {
    for (const text of ['vLLM', 'llama.cpp', 'llama-server', 'LMStudio']) {
      expect(parseInputs({ server: text }).ok, text).toBe(true);
    }
  });
});
