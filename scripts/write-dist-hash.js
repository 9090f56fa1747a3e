#!/usr/bin/env node
// Records in dist/ the hash of the sources it was built from; the last step of `npm run build`.
//
//   node scripts/write-dist-hash.js

import { writeRecordedHash } from './dist-hash.js';

writeRecordedHash();
