import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/action-runner.js';
import { dockerfileShape } from '../support/dockerfile.js';
import { startFakeServer } from '../support/fake-server.js';

const run = promisify(execFile);

/** The image's file system as far as the COPY lines make it, under `root`: what `docker build` would lay down. */
function layDownCopies(root: string): string[] {
  const laid: string[] = [];
  for (const copy of dockerfileShape().copies) {
    const destination = posix.isAbsolute(copy.destination) ? copy.destination : posix.join(copy.workdir, copy.destination);
    for (const source of copy.sources) {
      const into = copy.destination.endsWith('/') && !source.endsWith('/') ? posix.join(destination, posix.basename(source)) : destination;
      cpSync(join(ROOT, source), join(root, into), { recursive: true });
      laid.push(into);
    }
  }
  return laid;
}

describe('the image holds exactly what the CLI bundle needs', () => {
  it('the CLI runs from the copied files alone, with no node_modules anywhere, and gates a server', async () => {
    const root = mkdtempSync(join(tmpdir(), 'llm-preflight-image-'));
    layDownCopies(root);
    const cliDir = join(root, 'opt/llm-preflight/cli');
    expect(readdirSync(cliDir).sort()).toEqual(readdirSync(join(ROOT, 'dist/cli')).sort());
    expect(readdirSync(join(root, 'opt/llm-preflight')).sort()).toEqual(['LICENSE', 'cli', 'licenses.txt']);
    await using server = await startFakeServer({ kind: 'vllm', models: ['Qwen/Qwen2.5-0.5B-Instruct'] });
    const [node, entry] = dockerfileShape().entrypoint;
    expect(node).toBe('node');
    // Run from an empty directory, so nothing resolves from the repository's node_modules.
    const { stdout } = await run(process.execPath, [join(root, entry!), '--json', '--model', 'Qwen/Qwen2.5-0.5B-Instruct', server.url], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '' },
    });
    expect(JSON.parse(stdout)).toMatchObject({ ready: true, server: 'vllm' });
  });
});
