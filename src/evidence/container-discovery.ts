import { text } from '../text.js';
import type { Evidence } from '../types.js';
import { runDocker } from './container.js';

export type Discovery =
  | { kind: 'found'; name: string; port: number }
  | { kind: 'ambiguous'; names: string[]; port: number }
  | { kind: 'none' };

/**
 * `container` not given: the container that publishes `port`, from `docker ps --filter publish=<port>`. The
 * README's main recipe (a `services:` container with `ports: 8000:8000`) then gets its state and logs as
 * evidence without any wiring. Nothing when the docker CLI is absent or fails: it was not asked for.
 */
export async function discoverContainer(
  port: number,
  env: Record<string, string | undefined>,
): Promise<Discovery> {
  const r = await runDocker(['ps', '--filter', `publish=${port}`, '--format', '{{.ID}} {{.Names}}'], env);
  if (r.exitCode !== 0) return { kind: 'none' };
  const names = r.stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields[0])
    // A container's name (its first, when it has aliases) is what a user recognises and can pass as `container`.
    .map(([id, names]) => names?.split(',')[0] || id!);
  if (names.length === 0) return { kind: 'none' };
  // Two containers on one port (IPv4 and IPv6 bound apart, or a stale one): guessing could blame the wrong one.
  if (names.length > 1) return { kind: 'ambiguous', names, port };
  return { kind: 'found', name: names[0]!, port };
}

/** What the log says about a discovery: which container is read, or why none is. */
export function discoveryNote(found: Exclude<Discovery, { kind: 'none' }>, atMs: number): Evidence {
  return {
    kind: 'note',
    atMs,
    text:
      found.kind === 'found'
        ? text`Reading container ${found.name} as evidence: it publishes port ${String(found.port)} (set container to choose another).`
        : text`${String(found.names.length)} containers publish port ${String(found.port)} (${found.names.join(', ')}): none is read as evidence; set container to choose one.`,
  };
}
