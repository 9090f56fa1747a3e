import { isIP } from 'node:net';
import { unbracket } from '../net/hosts.js';
import type { EndpointSpec } from './endpoints.js';

/**
 * What no server can be reached at, although the URL parses: port 0, a multicast or broadcast address (TCP
 * connects to neither). Said at once as an input error, not after the whole deadline as a server that never
 * answered. The message names the port or the address, never the rest of the URL (it may hold a password).
 */
export function impossibleEndpoint(endpoints: readonly EndpointSpec[]): string | undefined {
  for (const endpoint of endpoints) {
    if (endpoint.port === 0) return 'has port 0, which no server listens on: ports run from 1 to 65535';
    const host = unbracket(endpoint.host);
    const kind = host === '255.255.255.255' ? 'broadcast' : isMulticast(host) ? 'multicast' : undefined;
    if (kind) return `names ${host}, a ${kind} address: TCP cannot connect to it`;
  }
  return undefined;
}

function isMulticast(host: string): boolean {
  if (isIP(host) === 4) {
    const first = Number(host.split('.')[0]);
    return first >= 224 && first <= 239;
  }
  return isIP(host) === 6 && /^ff/i.test(host);
}

/**
 * A port the URL parser rejects, found before it does, so the message says what is wrong with it rather than
 * "not a valid URL". Only the authority is read, and only the port is echoed.
 */
export function portOutOfRange(value: string): string | undefined {
  for (const line of value.split('\n')) {
    const port =
      /^\s*[a-z][a-z0-9+.-]*:\/\/(?:[^/?#\s]*@)?(?:\[[^\]/]*\]|[^:/?#@\s]*):(\d+)(?=[/?#\s]|$)/i.exec(
        line,
      )?.[1];
    if (port !== undefined && Number(port) > 65_535)
      return `has port ${port}, which is not a port: ports run from 1 to 65535`;
  }
  return undefined;
}
