#!/usr/bin/env node
// Writes the license notices of every third-party package bundled into dist/, read from the bundles' webpack
// stats (ncc --stats-out). ncc's own --license writes its file once per chunk, so once a lazily loaded chunk
// exists the file keeps only that chunk's packages; this lists them all, across all bundles.
//
//   node scripts/bundle-licenses.js lib/stats-main.json [more stats files] > dist/licenses.txt

import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const LICENSE_FILE = /^(licen[cs]e|copying)(\.(md|txt))?$/i;

/** Package roots ("…/node_modules/@scope/name") of every module in a stats file, chunks included. */
function packageRoots(stats) {
  const roots = new Set();
  const visit = (modules) => {
    for (const module of modules ?? []) {
      visit(module.modules);
      const name = module.nameForCondition ?? module.identifier ?? '';
      const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(name.replaceAll('\\', '/'));
      if (match) roots.add(match[1]);
    }
  };
  visit(stats.modules);
  for (const chunk of stats.chunks ?? []) visit(chunk.modules);
  return roots;
}

const roots = new Set();
for (const file of process.argv.slice(2)) {
  for (const root of packageRoots(JSON.parse(readFileSync(file, 'utf8')))) roots.add(root);
}
if (roots.size === 0) {
  console.error('bundle-licenses: no bundled package found; pass the ncc --stats-out files');
  process.exit(1);
}

const entries = [...roots]
  .map((root) => {
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    const licenseFile = existsSync(root)
      ? readdirSync(root).find((name) => LICENSE_FILE.test(name))
      : undefined;
    const text = licenseFile ? readFileSync(join(root, licenseFile), 'utf8').trim() : '(no license file)';
    return { name: manifest.name, version: manifest.version, license: manifest.license ?? 'UNKNOWN', text };
  })
  .sort((a, b) => a.name.localeCompare(b.name));

const seen = new Set();
for (const entry of entries) {
  const key = `${entry.name}@${entry.version}`;
  if (seen.has(key)) continue;
  seen.add(key);
  process.stdout.write(`${entry.name} ${entry.version}\n${entry.license}\n${entry.text}\n\n`);
}
