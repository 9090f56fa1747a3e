// A Verdaccio registry for one test run: storage and config in the directory given as the first argument,
// no uplinks (only what is published here can be installed, so a runtime dependency would fail to resolve),
// listening on an ephemeral port of 127.0.0.1. Prints {"port": N} on stdout once it listens.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfigFile, runServer } from 'verdaccio';

const dir = process.argv[2];
if (!dir) throw new Error('usage: verdaccio-server.mjs <directory>');
const configPath = join(dir, 'config.yaml');
writeFileSync(
  configPath,
  [
    `storage: ${JSON.stringify(join(dir, 'storage'))}`,
    'auth:',
    '  htpasswd:',
    `    file: ${JSON.stringify(join(dir, 'htpasswd'))}`,
    'uplinks: {}',
    'packages:',
    "  '**':",
    '    access: $all',
    '    publish: $authenticated',
    'log: { type: stdout, format: json, level: error }',
    '',
  ].join('\n'),
);
const config = parseConfigFile(configPath);
config.self_path = configPath;
const app = await runServer(config);
const server = app.listen(0, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n');
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
