import { describe, expect, it } from 'vitest';
import { assignedIn, portVariablesAtOdds } from '../../src/net/port-variables.js';

const at8000 = { host: '127.0.0.1', port: 8000, kind: undefined };

describe('portVariablesAtOdds', () => {
  it.each([
    { env: { OLLAMA_HOST: '0.0.0.0:11500' }, port: 11500, host: '0.0.0.0' },
    { env: { OLLAMA_HOST: 'http://127.0.0.1' }, port: 80, host: '127.0.0.1' },
    { env: { OLLAMA_HOST: '127.0.0.1' }, port: 11434, host: '127.0.0.1' },
  ])('reads OLLAMA_HOST=$env.OLLAMA_HOST as Ollama does', ({ env, port, host }) => {
    expect(portVariablesAtOdds(env, undefined, at8000)).toMatchObject([
      { variable: 'OLLAMA_HOST', port, host },
    ]);
  });

  it('a variable that agrees with base-url, or a wildcard bind, is not named', () => {
    expect(
      portVariablesAtOdds({ PORT: '8000', LLAMA_ARG_HOST: '0.0.0.0', VLLM_PORT: '29500' }, undefined, at8000),
    ).toEqual([]);
  });

  it('a loopback-only bind is named when base-url uses another address of this machine', () => {
    const found = portVariablesAtOdds({ LLAMA_ARG_HOST: '127.0.0.1' }, undefined, {
      ...at8000,
      host: '10.1.0.4',
    });
    expect(found).toMatchObject([{ variable: 'LLAMA_ARG_HOST', effect: 'host', host: '127.0.0.1' }]);
  });

  it('start wins over the step environment', () => {
    expect(portVariablesAtOdds({ PORT: '4000' }, 'PORT=4100 litellm --config c.yaml', at8000)).toMatchObject([
      { variable: 'PORT', value: '4100', setIn: 'start', port: 4100 },
    ]);
  });
});

describe('assignedIn', () => {
  it.each([
    ['PORT=4000 litellm', '4000'],
    ['docker run -e OLLAMA_HOST=0.0.0.0:11500 ollama/ollama', '0.0.0.0:11500'],
    ['docker run --env=LLAMA_ARG_PORT=9000 img', '9000'],
    ["export PORT='4001'; litellm", '4001'],
    ['LITELLM_PORT=4000 litellm', undefined],
  ])('%s', (command, value) => {
    const name = command.startsWith('docker run -e')
      ? 'OLLAMA_HOST'
      : command.includes('LLAMA_ARG')
        ? 'LLAMA_ARG_PORT'
        : 'PORT';
    expect(assignedIn(command, name)).toBe(value);
  });
});
