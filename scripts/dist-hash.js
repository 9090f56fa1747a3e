// The content hash of what the bundles in dist/ are built from. `npm run build` records it in dist/ (see
// scripts/write-dist-hash.js) and the test projects that run dist/ recompute it (test/support/dist-fresh.ts),
// so those tests never pass or fail on a bundle older than the sources checked out.
//
// The hash covers bytes only (no mtimes, no absolute paths, a fixed order), so a rebuild of the same sources
// writes the same file and `git status` stays clean.

import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPOSITORY_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DIST_HASH_FILE = 'dist/inputs.sha256';

// The lock file fixes every bundled dependency's version; the tsconfig files decide what tsc emits.
const TOP_LEVEL_INPUT = /^(package-lock\.json|tsconfig.*\.json)$/;

/** Every file the build reads, as sorted repository-relative paths with forward slashes. */
function buildInputFiles(root = REPOSITORY_ROOT) {
  const sources = readdirSync(join(root, 'src'), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(root, join(entry.parentPath, entry.name)));
  const topLevel = readdirSync(root).filter((name) => TOP_LEVEL_INPUT.test(name));
  // Default sort compares UTF-16 code units: the same order on every machine and locale.
  return [...sources, ...topLevel].map((path) => path.split(sep).join('/')).sort();
}

/** sha256 over each input's path, byte length and bytes, so renaming or moving a file changes it too. */
export function buildInputsHash(root = REPOSITORY_ROOT) {
  const hash = createHash('sha256');
  for (const path of buildInputFiles(root)) {
    const bytes = readFileSync(join(root, path));
    hash.update(`${path}\0${bytes.byteLength}\0`);
    hash.update(bytes);
  }
  return hash.digest('hex');
}

/** The hash recorded by the last build, or undefined when dist/ has none. */
export function readRecordedHash(root = REPOSITORY_ROOT) {
  const file = join(root, DIST_HASH_FILE);
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}

export function writeRecordedHash(root = REPOSITORY_ROOT) {
  writeFileSync(join(root, DIST_HASH_FILE), `${buildInputsHash(root)}\n`);
}
