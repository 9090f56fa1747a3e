// What was measured: the commit, whether dist/ is older than src/, and the bundle sizes.

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DIST_ACTION, DIST_CLI } from './contenders.ts';
import { ROOT } from './harness.ts';

export function gitDescription(): string {
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' });
  const dirty = spawnSync('git', ['status', '--porcelain', '--', 'src', 'dist'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (head.status !== 0) return 'unknown';
  return `${head.stdout.trim()}${dirty.stdout.trim() ? ' + uncommitted changes in src/ or dist/' : ''}`;
}

function newestFileMtimeMs(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true }))
    if (entry.isFile()) latest = Math.max(latest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  return latest;
}

/** dist/ older than src/ measures yesterday's code: say so. */
export function staleDistWarning(): string | undefined {
  if (!existsSync(DIST_ACTION)) return 'dist/index.js is missing: run npm run build';
  if (newestFileMtimeMs(join(ROOT, 'src')) > statSync(DIST_ACTION).mtimeMs)
    return 'src/ changed after dist/index.js was built: these figures are for the built bundle (npm run build).';
  return undefined;
}

export function distSizes(): Record<string, number> {
  const sizes: Record<string, number> = {};
  const add = (name: string, path: string) => {
    if (existsSync(path)) sizes[name] = statSync(path).size;
  };
  add('dist/index.js', DIST_ACTION);
  add('dist/cli/index.js', DIST_CLI);
  add('dist/post/index.js', join(ROOT, 'dist/post/index.js'));
  // Chunks split off by lazy imports load only when needed; listed so nothing hides there.
  for (const dir of ['dist', 'dist/cli', 'dist/post'])
    for (const name of readdirSync(join(ROOT, dir)))
      if (name.endsWith('.js') && name !== 'index.js') add(`${dir}/${name}`, join(ROOT, dir, name));
  return sizes;
}
