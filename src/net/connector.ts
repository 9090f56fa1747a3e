import { lookup as dnsLookup } from 'node:dns';
import type { LookupAddress } from 'node:dns';
import { unbracket } from './hosts.js';
import { skipInterimResponses } from './interim-responses.js';
import { buildConnector } from './undici.js';

/**
 * How long the first address of `localhost` (127.0.0.1) gets before ::1 is tried too: Node's own default. A
 * refused connect moves on at once, so this only delays an address that drops packets.
 */
const FAMILY_ATTEMPT_TIMEOUT_MS = 250;

/**
 * `localhost` must work whether the server bound 127.0.0.1 or ::1, even where /etc/hosts maps it to one
 * family only. We hand both addresses to Node's happy-eyeballs connect (autoSelectFamily).
 */
function lookupWithLocalhostBothFamilies(
  hostname: string,
  options: { all?: boolean; family?: number | string },
  callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
): void {
  const name = hostname.toLowerCase();
  if (name === 'localhost' || name.endsWith('.localhost')) {
    const both: LookupAddress[] = [
      { address: '127.0.0.1', family: 4 },
      { address: '::1', family: 6 },
    ];
    if (options.all) callback(null, both);
    else callback(null, '127.0.0.1', 4);
    return;
  }
  // RFC 6761 §6.4: names under .invalid never resolve, and resolvers should say so without asking anyone.
  if (name === 'invalid' || name.endsWith('.invalid')) {
    const error = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), {
      code: 'ENOTFOUND',
      syscall: 'getaddrinfo',
      hostname,
    });
    process.nextTick(() => callback(error, options.all ? [] : ''));
    return;
  }
  dnsLookup(hostname, { ...options, all: options.all === true } as never, callback as never);
}

export interface TrackedConnector {
  connect: buildConnector.connector;
  /**
   * Whether a plain-TCP connect to this URL's host:port is still under way. A request that times out while
   * its connect never completed met a host that drops packets (a firewall, a wrong address): nothing ever
   * answered, which is not the hung server that "no complete response" describes.
   */
  isConnecting(url: URL): boolean;
}

function connectKey(hostname: string, port: string): string {
  return `${unbracket(hostname).toLowerCase()}:${port}`;
}

/** The TCP connector for every pool of a prober, counting the plain-TCP connects in flight per host:port. */
export function createTrackedConnector(): TrackedConnector {
  const connecting = new Map<string, number>();
  const connectTcp = buildConnector({
    lookup: lookupWithLocalhostBothFamilies as never,
    autoSelectFamily: true,
    autoSelectFamilyAttemptTimeout: FAMILY_ATTEMPT_TIMEOUT_MS,
  });
  const connect: buildConnector.connector = (options, callback) => {
    const key = connectKey(options.hostname, options.port);
    // An https connect also waits for the TLS handshake, which a hung server can stall: only a plain-TCP
    // connect still under way says nothing answered.
    const tcpOnly = options.protocol === 'http:';
    if (tcpOnly) connecting.set(key, (connecting.get(key) ?? 0) + 1);
    connectTcp(options, (error, socket) => {
      if (tcpOnly) connecting.set(key, Math.max(0, (connecting.get(key) ?? 1) - 1));
      if (error) return callback(error, null);
      skipInterimResponses(socket);
      callback(null, socket);
    });
  };
  return {
    connect,
    isConnecting: (url) => (connecting.get(connectKey(url.hostname, url.port || '80')) ?? 0) > 0,
  };
}
