import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validate } from 'dockerfile-utils';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/action-runner.js';
import { DOCKERFILE_TEXT, dockerfileShape } from '../support/dockerfile.js';

// The image cannot be built here (no registry for the base image): what can be checked without a build is.
describe('Dockerfile', () => {
  const shape = dockerfileShape();

  it('passes the linter with nothing to report', () => {
    expect(validate(DOCKERFILE_TEXT).map((d) => `${d.range.start.line + 1}: ${d.message}`)).toEqual([]);
  });

  it('is a small Node 24 image, run as a user that is not root, with the CLI as its entrypoint', () => {
    expect(shape.from).toEqual([expect.stringMatching(/^node:24-alpine(@sha256:[0-9a-f]{64})?$/)]);
    expect(shape.user).toBe('node');
    expect(shape.entrypoint).toEqual(['node', '/opt/llm-preflight/cli/index.js']);
  });

  it('carries the OCI labels a registry shows', () => {
    for (const label of ['title', 'description', 'licenses', 'source', 'version', 'revision'])
      expect(shape.labels).toContain(`org.opencontainers.image.${label}`);
  });

  it('.dockerignore lets in exactly what the COPY lines take', () => {
    const allowed = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('!'))
      .map((line) => line.slice(1));
    expect(allowed.sort()).toEqual(shape.copies.flatMap((c) => c.sources).sort());
  });
});
