// Helpers for end-to-end tests against a real llama.cpp llama-server built by
// scripts/build-llama-server.js.

import { createServer } from 'node:net';

export interface LlamaServerBuild {
  binary: string;
  vocabPath: string;
  tag: string;
}

export interface LlamaServerCommandOptions {
  binary: string;
  modelPath: string;
  port: number;
  /** Model id reported by /v1/models. */
  alias: string;
  extraArgs?: string[];
}

// Flags below exist in the pinned llama.cpp (see `llama-server --help`):
// one slot with the model's whole 256-token context, one thread so parallel
// test files do not starve each other on 2-core runners, no web UI, and no
// warmup pass, which only delays readiness.
const BASE_ARGS = ['--host', '127.0.0.1', '-c', '256', '-np', '1', '-t', '1', '--no-webui', '--no-warmup'];

let building: Promise<LlamaServerBuild> | undefined;

/** The cached llama-server, built on first use (about 8 minutes on 2 cores). */
export function getLlamaServer(): Promise<LlamaServerBuild> {
  building ??= importBuildScript().then((script) =>
    script.ensureLlamaServer({ log: (message) => process.stderr.write(`${message}\n`) }),
  );
  return building;
}

/** A command line for `sh -c` that runs llama-server in the foreground. */
export function llamaServerCommand({
  binary,
  modelPath,
  port,
  alias,
  extraArgs = [],
}: LlamaServerCommandOptions): string {
  return [binary, '-m', modelPath, '--port', String(port), '-a', alias, ...BASE_ARGS, ...extraArgs]
    .map(shellQuote)
    .join(' ');
}

/** A TCP port that was free on 127.0.0.1 a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('freePort: no port assigned'));
      });
    });
  });
}

export function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

interface BuildScript {
  ensureLlamaServer(options: { log: (message: string) => void }): Promise<LlamaServerBuild>;
}

// The build script is plain JavaScript outside the TypeScript program, so it is
// imported by URL and typed here.
async function importBuildScript(): Promise<BuildScript> {
  const url: string = new URL('../../scripts/build-llama-server.js', import.meta.url).href;
  return (await import(url)) as BuildScript;
}
