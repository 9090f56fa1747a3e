import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/action-runner.js';
import { startFakeServer } from '../support/fake-server.js';
import { isolatedNpmEnv, startLocalRegistry, type RegistryStart } from '../support/local-registry.js';

const run = promisify(execFile);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';

const PACKAGE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
};
/** What a user's install must hold: the bundles and the documents, nothing to build or test with. */
const PACKED_FILES = /^(dist\/.+|action\.yml|package\.json|README\.md|LICENSE|CHANGELOG\.md)$/;
const PACKED_MAX_BYTES = 1_000_000;

interface Packed {
  path: string;
  sizeBytes: number;
  unpackedBytes: number;
  files: string[];
}

async function pack(into: string): Promise<Packed> {
  const { stdout } = await run(npm, ['pack', '--json', '--pack-destination', into], {
    cwd: ROOT,
    env: isolatedNpmEnv(into),
  });
  const [report] = JSON.parse(stdout) as Array<{
    filename: string;
    size: number;
    unpackedSize: number;
    files: Array<{ path: string }>;
  }>;
  return {
    path: join(into, report!.filename),
    sizeBytes: report!.size,
    unpackedBytes: report!.unpackedSize,
    files: report!.files.map((f) => f.path),
  };
}

function treeBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += statSync(join(entry.parentPath, entry.name)).size;
  }
  return total;
}

describe('the npm package, published to a real registry and run with npx', () => {
  let start: RegistryStart;
  let packed: Packed;
  const work = mkdtempSync(join(tmpdir(), 'llm-preflight-package-'));

  beforeAll(async () => {
    packed = await pack(work);
    start = await startLocalRegistry();
  }, 120_000);
  afterAll(async () => {
    if (start?.ok) await start.registry.close();
  });

  it('packs only what runs, well under 1 MB, with nothing to fetch at install', () => {
    expect(packed.files.filter((f) => !PACKED_FILES.test(f))).toEqual([]);
    expect(packed.files).toEqual(expect.arrayContaining(['dist/cli/index.js', 'action.yml', 'LICENSE']));
    expect(packed.sizeBytes).toBeLessThan(PACKED_MAX_BYTES);
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest.private).toBeUndefined();
    expect(manifest.dependencies ?? {}).toEqual({});
    console.info(`packed ${packed.sizeBytes} bytes, ${packed.unpackedBytes} bytes unpacked`);
  });

  it('publishes, then `npx llm-preflight@<version>` from a clean directory gates a server', async (ctx) => {
    if (!start.ok) return ctx.skip(`Verdaccio could not start here (${start.reason}), so nothing was published`);
    const { url, userConfig } = start.registry;
    const registryFlags = ['--registry', url, '--userconfig', userConfig];
    await run(npm, ['publish', packed.path, ...registryFlags], { cwd: work, env: isolatedNpmEnv(work) });

    await using server = await startFakeServer({ kind: 'llamacpp', models: ['qwen2.5-0.5b-instruct'] });
    const clean = mkdtempSync(join(tmpdir(), 'llm-preflight-clean-'));
    const cache = join(clean, '.npm-cache');
    mkdirSync(cache);
    const startedMs = performance.now();
    const { stdout } = await run(
      npx,
      [
        '--yes',
        ...registryFlags,
        '--cache',
        cache,
        `${PACKAGE.name}@${PACKAGE.version}`,
        '--json',
        '--model',
        'qwen2.5-0.5b-instruct',
        server.url,
      ],
      { cwd: clean, env: isolatedNpmEnv(clean), timeout: 120_000 },
    );
    const elapsedMs = Math.round(performance.now() - startedMs);
    const report = JSON.parse(stdout) as { ready: boolean; server: string; models: string[] };
    expect(report).toMatchObject({ ready: true, server: 'llamacpp', models: ['qwen2.5-0.5b-instruct'] });
    const installs = join(cache, '_npx');
    const installedBytes = treeBytes(installs);
    // The install holds the package alone: a runtime dependency would have failed to resolve (no uplinks).
    const installed = readdirSync(installs).map((d) => readdirSync(join(installs, d, 'node_modules')));
    expect(installed.flat().filter((name) => !name.startsWith('.'))).toEqual([PACKAGE.name]);
    console.info(`npx install and run: ${elapsedMs} ms; installed ${installedBytes} bytes`);
  }, 180_000);
});
