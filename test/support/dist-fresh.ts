// Vitest globalSetup of the projects whose tests run the bundles in dist/: refuses to start them when dist/
// was built from other sources than the ones checked out, since they would then test old code.
//
// It fails rather than builds: a test run should not rewrite the committed dist/ behind your back, and the
// fix is one command (about 10 s).

import { buildInputsHash, DIST_HASH_FILE, readRecordedHash } from '../../scripts/dist-hash.js';

export default function setup(): void {
  const recorded = readRecordedHash();
  const current = buildInputsHash();
  if (recorded === current) return;
  const found =
    recorded === undefined ? `there is no ${DIST_HASH_FILE}` : `${DIST_HASH_FILE} says ${recorded}`;
  throw new Error(`dist is stale: run npm run build\n(the sources hash to ${current}; ${found})`);
}
