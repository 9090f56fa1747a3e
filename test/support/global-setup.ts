// Vitest globalSetup: builds (or reuses the cached) llama-server and writes the
// tiny model once per run, so end-to-end tests only start processes.
//
// Set LLM_PREFLIGHT_REAL_SERVER=0 to skip it; tests then see
// inject('llamaServer') === null and should skip themselves.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { getLlamaServer } from './llama-server.js';
import { writeTinyModel } from './tiny-gguf.js';

export interface ProvidedLlamaServer {
  binary: string;
  vocabPath: string;
  tag: string;
  /** A valid tiny llama GGUF served as-is by llama-server. */
  tinyModelPath: string;
  /** Scratch directory removed after the run; put derived models here. */
  modelDir: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    llamaServer: ProvidedLlamaServer | null;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (process.env.LLM_PREFLIGHT_REAL_SERVER === '0') {
    project.provide('llamaServer', null);
    return async () => {};
  }

  const { binary, vocabPath, tag } = await getLlamaServer();
  const modelDir = await mkdtemp(path.join(tmpdir(), 'llm-preflight-models-'));
  const tinyModelPath = path.join(modelDir, 'tiny-llama.gguf');
  await writeTinyModel(tinyModelPath, vocabPath);
  project.provide('llamaServer', { binary, vocabPath, tag, tinyModelPath, modelDir });

  return async () => {
    await rm(modelDir, { recursive: true, force: true });
  };
}
