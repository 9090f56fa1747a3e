import { describe, expect, it } from 'vitest';
import { closestModel, isServed, parseModelList } from '../../src/models.js';

describe('parseModelList', () => {
  it.each([
    {
      name: 'OpenAI list',
      json: { object: 'list', data: [{ id: 'a' }, { id: 'b' }] },
      out: { ok: true, ids: ['a', 'b'] },
    },
    { name: 'empty list', json: { data: [] }, out: { ok: true, ids: [] } },
    {
      name: 'Ollama with nothing pulled: data null',
      json: { object: 'list', data: null },
      out: { ok: true, ids: [] },
    },
    {
      name: 'llama.cpp extra "models" field beside data',
      json: { models: [{ name: 'x' }], data: [{ id: 'x' }] },
      out: { ok: true, ids: ['x'] },
    },
    {
      name: 'no data field',
      json: { models: ['a'] },
      out: { ok: false, problem: 'the model list has no "data" field' },
    },
    {
      name: 'data is an object',
      json: { data: { id: 'a' } },
      out: { ok: false, problem: '"data" in the model list is not an array' },
    },
    {
      name: 'data is a string',
      json: { data: 'a' },
      out: { ok: false, problem: '"data" in the model list is not an array' },
    },
    {
      name: 'id is a number',
      json: { data: [{ id: 42 }] },
      out: { ok: false, problem: 'a model in the list has no string "id"' },
    },
    {
      name: 'id is empty',
      json: { data: [{ id: '' }] },
      out: { ok: false, problem: 'a model in the list has no string "id"' },
    },
    {
      name: 'entry is a string',
      json: { data: ['a'] },
      out: { ok: false, problem: 'a model in the list has no string "id"' },
    },
    {
      name: 'entry is null',
      json: { data: [null] },
      out: { ok: false, problem: 'a model in the list has no string "id"' },
    },
    {
      name: 'top level is an array',
      json: [{ id: 'a' }],
      out: { ok: false, problem: 'the model list is not a JSON object' },
    },
    {
      name: 'top level is null',
      json: null,
      out: { ok: false, problem: 'the model list is not a JSON object' },
    },
    {
      name: 'top level is a string',
      json: 'OK',
      out: { ok: false, problem: 'the model list is not a JSON object' },
    },
  ])('$name', ({ json, out }) => {
    expect(parseModelList(json)).toEqual(out);
  });
});

describe('isServed', () => {
  it.each([
    {
      name: 'exact',
      required: 'Qwen/Qwen2.5-0.5B-Instruct',
      served: ['Qwen/Qwen2.5-0.5B-Instruct'],
      out: true,
    },
    {
      name: 'case differs',
      required: 'qwen/qwen2.5-0.5b-instruct',
      served: ['Qwen/Qwen2.5-0.5B-Instruct'],
      out: false,
    },
    { name: 'Ollama: no tag means :latest', required: 'llama3.2', served: ['llama3.2:latest'], out: true },
    {
      name: 'Ollama: :latest asked, listed bare',
      required: 'llama3.2:latest',
      served: ['llama3.2'],
      out: true,
    },
    {
      name: 'Ollama: another tag is another model',
      required: 'llama3.2:1b',
      served: ['llama3.2:latest'],
      out: false,
    },
    {
      name: 'Ollama: no tag does not match another tag',
      required: 'llama3.2',
      served: ['llama3.2:1b'],
      out: false,
    },
    {
      name: 'a prefix is not the model',
      required: 'Qwen/Qwen2.5',
      served: ['Qwen/Qwen2.5-0.5B-Instruct'],
      out: false,
    },
    { name: 'empty list', required: 'a', served: [], out: false },
  ])('$name', ({ required, served, out }) => {
    expect(isServed(required, served)).toBe(out);
  });
});

describe('closestModel', () => {
  it.each([
    {
      name: 'case',
      required: 'qwen/qwen2.5-0.5b-instruct',
      served: ['other', 'Qwen/Qwen2.5-0.5B-Instruct'],
      out: 'Qwen/Qwen2.5-0.5B-Instruct',
    },
    {
      name: 'punctuation',
      required: 'Qwen/Qwen2_5-0_5B-Instruct',
      served: ['Qwen/Qwen2.5-0.5B-Instruct'],
      out: 'Qwen/Qwen2.5-0.5B-Instruct',
    },
    {
      name: 'Ollama tag',
      required: 'llama3.2:1b',
      served: ['mistral:7b', 'llama3.2:latest'],
      out: 'llama3.2:latest',
    },
    {
      name: 'missing org prefix',
      required: 'Qwen2.5-0.5B-Instruct',
      served: ['Qwen/Qwen2.5-0.5B-Instruct'],
      out: 'Qwen/Qwen2.5-0.5B-Instruct',
    },
    {
      name: 'extra org prefix',
      required: 'Qwen/Qwen2.5-0.5B-Instruct',
      served: ['Qwen2.5-0.5B-Instruct'],
      out: 'Qwen2.5-0.5B-Instruct',
    },
    {
      name: 'one-letter typo',
      required: 'Qwen/Qwen2.5-0.5B-Instruc',
      served: ['Qwen/Qwen2.5-0.5B-Instruct'],
      out: 'Qwen/Qwen2.5-0.5B-Instruct',
    },
    {
      name: 'the nearest of several',
      required: 'gpt-4o-mini',
      served: ['gpt-4o', 'gpt-4o-mini-2024', 'gpt4o-mini'],
      out: 'gpt4o-mini',
    },
    {
      name: 'nothing close',
      required: 'mistral-7b',
      served: ['Qwen/Qwen2.5-0.5B-Instruct', 'llama3.2:latest'],
      out: undefined,
    },
    { name: 'empty list', required: 'a', served: [], out: undefined },
  ])('$name', ({ required, served, out }) => {
    expect(closestModel(required, served)).toBe(out);
  });

  it('scans a bounded head of a huge list: a typo is rarely that far down', () => {
    const filler = Array.from(
      { length: 20_000 },
      (_, i) => `org-${i}/some-long-model-name-${'x'.repeat(200)}`,
    );
    const near = [...filler.slice(0, 10), 'Qwen/Qwen2.5-0.5B-Instruct', ...filler.slice(10)];
    const far = [...filler, 'Qwen/Qwen2.5-0.5B-Instruct'];
    expect(closestModel('qwen/qwen2.5-0.5b-instruct', near)).toBe('Qwen/Qwen2.5-0.5B-Instruct');
    expect(closestModel('qwen/qwen2.5-0.5b-instruct', far)).toBeUndefined();
  });
});
