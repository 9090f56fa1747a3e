import { describe, expect, it } from 'vitest';
import { locateStepLine, workflowFileFromRef, type LocateInput } from '../../src/report/workflow-locate.js';

// Line numbers are 1-based and point at the step's `uses:` line.
const WORKFLOW = `name: ci
on: [push]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v5
      - name: Wait for the LLM server
        id: llm
        uses: acme/llm-preflight@v1
        with:
          base-url: http://127.0.0.1:8000
      - uses: acme/llm-preflight@v1
        with:
          base-url: http://127.0.0.1:9000
      - name: third, in a sub-directory of the repository
        uses: acme/llm-preflight/cli@v1
      - uses: ./
      - run: pytest
      - uses: ./.github/actions/local
  other:
    runs-on: ubuntu-latest
    steps:
      - uses: Acme/LLM-Preflight@main
`;

describe('locateStepLine', () => {
  it.each<{ name: string; input: LocateInput; line: number | undefined }>([
    { name: 'the step id', input: { job: 'test', action: 'llm' }, line: 10 },
    {
      name: 'generated __owner_repo: the first step without an id',
      input: { job: 'test', action: '__acme_llm-preflight' },
      line: 13,
    },
    {
      name: 'generated _2: the second one without an id',
      input: { job: 'test', action: '__acme_llm-preflight_2' },
      line: 17,
    },
    {
      name: 'generated name matched through GITHUB_ACTION_REPOSITORY',
      input: { job: 'test', action: '__acme_llm-preflight', actionRepository: 'acme/llm-preflight' },
      line: 13,
    },
    { name: '__self is the first uses: ./', input: { job: 'test', action: '__self' }, line: 18 },
    { name: '__self_2 is the second local action', input: { job: 'test', action: '__self_2' }, line: 20 },
    {
      name: 'repository names compare without case',
      input: { job: 'other', action: '__Acme_LLM-Preflight', actionRepository: 'acme/llm-preflight' },
      line: 24,
    },
    { name: 'another job', input: { job: 'other', action: '__acme_llm-preflight' }, line: 24 },
    { name: 'an unknown step id', input: { job: 'test', action: 'nope' }, line: undefined },
    {
      name: 'a repeat that does not exist',
      input: { job: 'test', action: '__acme_llm-preflight_7' },
      line: undefined,
    },
    { name: 'an unknown job', input: { job: 'deploy', action: 'llm' }, line: undefined },
    { name: 'no job given', input: { action: 'llm' }, line: undefined },
    {
      name: 'a script step has no uses line of ours',
      input: { job: 'test', action: '__run' },
      line: undefined,
    },
  ])('$name', ({ input, line }) => {
    expect(locateStepLine(WORKFLOW, input)).toBe(line);
  });

  it.each([
    { name: 'broken YAML', text: 'jobs:\n  test:\n    steps: [\n      - uses: x' },
    { name: 'tabs for indentation', text: 'jobs:\n\ttest:\n\t\tsteps:\n\t\t\t- id: llm' },
    { name: 'not a mapping', text: 'just a string' },
    { name: 'empty file', text: '' },
    { name: 'steps is not a list', text: 'jobs:\n  test:\n    steps: nope\n' },
    { name: 'jobs is a list', text: 'jobs:\n  - test\n' },
  ])('$name gives no line, and does not throw', ({ text }) => {
    expect(locateStepLine(text, { job: 'test', action: 'llm' })).toBeUndefined();
  });

  it('a step written as a flow mapping', () => {
    const text = 'jobs:\n  test:\n    steps:\n      - { id: llm, uses: acme/llm-preflight@v1 }\n';
    expect(locateStepLine(text, { job: 'test', action: 'llm' })).toBe(4);
  });

  it('CRLF line endings', () => {
    expect(locateStepLine(WORKFLOW.replaceAll('\n', '\r\n'), { job: 'test', action: 'llm' })).toBe(10);
  });
});

describe('workflowFileFromRef', () => {
  it.each([
    {
      name: 'a branch',
      ref: 'acme/app/.github/workflows/ci.yml@refs/heads/main',
      repo: 'acme/app',
      file: '.github/workflows/ci.yml',
    },
    {
      name: '.yaml and a pull request ref',
      ref: 'acme/app/.github/workflows/test.yaml@refs/pull/12/merge',
      repo: 'acme/app',
      file: '.github/workflows/test.yaml',
    },
    {
      name: 'an @ in the branch name',
      ref: 'acme/app/.github/workflows/ci.yml@refs/heads/feat@x',
      repo: 'acme/app',
      file: '.github/workflows/ci.yml',
    },
    {
      name: 'repository case differs',
      ref: 'Acme/App/.github/workflows/ci.yml@refs/tags/v1',
      repo: 'acme/app',
      file: '.github/workflows/ci.yml',
    },
    {
      name: 'a reusable workflow ref from another repository',
      ref: 'other/shared/.github/workflows/llm.yml@refs/heads/main',
      repo: 'acme/app',
      file: undefined,
    },
    { name: 'unset', ref: undefined, repo: 'acme/app', file: undefined },
    { name: 'not a workflow ref', ref: 'garbage', repo: 'acme/app', file: undefined },
    { name: 'no ref part', ref: 'acme/app/.github/workflows/ci.yml', repo: 'acme/app', file: undefined },
  ])('$name', ({ ref, repo, file }) => {
    expect(workflowFileFromRef(ref, repo)).toBe(file);
  });
});
