import type { ServerKind } from '../../causes.js';

/**
 * How each server kind is told to listen on every address, not only 127.0.0.1 (docs/servers.md, "Variables
 * that move the port"): behind a container's port mapping, a server bound to the container's loopback
 * accepts the mapped connection and resets it.
 */
export const BIND_ALL: Partial<Record<ServerKind, string>> = {
  vllm: 'vllm serve --host 0.0.0.0',
  sglang: 'python -m sglang.launch_server --host 0.0.0.0',
  llamacpp: 'llama-server --host 0.0.0.0',
  ollama: 'OLLAMA_HOST=0.0.0.0',
  tgi: 'text-generation-launcher --hostname 0.0.0.0',
  litellm: 'litellm --host 0.0.0.0',
};

/** The flag for this kind, or all of them when the kind is not known. */
export function bindAllFlags(kind: ServerKind | undefined): string {
  const known = kind ? BIND_ALL[kind] : undefined;
  return known ?? Object.values(BIND_ALL).join(', ');
}
