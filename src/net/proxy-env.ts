import { isIP } from 'node:net';
import type { EndpointSpec } from '../config/endpoints.js';
import { text, type Text } from '../text.js';
import { isLoopbackHost, unbracket } from './hosts.js';

/**
 * The proxy variables, and the one NO_PROXY matcher: our own requests, the warning about the job's tests and
 * the doctor all route by these rules, so what we say about a proxy is what our requests do.
 */

/** NO_PROXY's entries: clients split it at commas and at white space. */
export function splitNoProxy(value: string): string[] {
  return value
    .split(/[,\s]+/)
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}

/** Every variable a client reads for a proxy, lower case first (curl and Python prefer it). */
export const PROXY_VARIABLES = [
  'http_proxy',
  'HTTP_PROXY',
  'https_proxy',
  'HTTPS_PROXY',
  'all_proxy',
  'ALL_PROXY',
] as const;

export interface ProxyChoice {
  url: string;
  /** Which variable it came from, for the evidence ("HTTP_PROXY"). */
  variable: string;
}

/**
 * Which proxy, if any, the environment routes `target` through. Loopback never goes through a proxy:
 * the server is on this machine. Mirrors the usual client rules: lower case wins, NO_PROXY lists
 * hosts, domains (.example.com or example.com), host:port, or *.
 */
export function proxyFor(
  target: URL,
  env: Record<string, string | undefined>,
  loopback: boolean,
): ProxyChoice | undefined {
  if (loopback) return undefined;
  const pick = (...names: string[]): ProxyChoice | undefined => {
    for (const name of names) {
      const value = env[name]?.trim();
      // curl and Python read "proxy.corp:3128" as an http:// proxy; so must we, or every request would fail
      // on an unparsable URL that nobody would connect with the proxy.
      if (value)
        return { url: /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`, variable: name };
    }
    return undefined;
  };
  const choice =
    target.protocol === 'https:'
      ? pick('https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY')
      : pick('http_proxy', 'HTTP_PROXY', 'all_proxy', 'ALL_PROXY');
  if (!choice) return undefined;
  // An empty lower-case variable does not hide the upper-case one (Python's rule: `no_proxy or NO_PROXY`).
  const noProxy = env.no_proxy || env.NO_PROXY || '';
  if (noProxyMatches(target, noProxy)) return undefined;
  return choice;
}

/**
 * Does NO_PROXY exempt this target? `anyPort` asks whether the host is listed at all, port-specific entries
 * included (the doctor's question), rather than whether this exact request is exempt.
 */
export function noProxyMatches(target: URL, noProxy: string, options: { anyPort?: boolean } = {}): boolean {
  const host = unbracket(target.hostname).toLowerCase();
  const port = target.port || (target.protocol === 'https:' ? '443' : '80');
  for (const raw of splitNoProxy(noProxy)) {
    const entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return true;
    // host, host:port, [v6]:port or a bare v6 address: "fd00::5" has colons but no port.
    const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
    const withPort = /^([^:]+):(\d+)$/.exec(entry);
    const entryHost = (bracketed?.[1] ?? withPort?.[1] ?? entry).replace(/^\*?\./, '.');
    const entryPort = bracketed?.[2] ?? withPort?.[2];
    if (entryPort && entryPort !== port && !options.anyPort) continue;
    if (inIpv4Range(host, entryHost)) return true;
    if (entryHost.startsWith('.')) {
      if (host.endsWith(entryHost) || host === entryHost.slice(1)) return true;
    } else if (host === entryHost || host.endsWith('.' + entryHost)) {
      return true;
    }
  }
  return false;
}

/** Python requests honours CIDR entries in NO_PROXY (10.0.0.0/8): match them, so we route as the tests do. */
function inIpv4Range(host: string, entry: string): boolean {
  const cidr = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(entry);
  const toNumber = (ip: string): number | undefined => {
    const parts = ip.split('.').map(Number);
    if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p > 255)) return undefined;
    return parts.reduce((n, p) => n * 256 + p, 0);
  };
  if (!cidr || !/^\d{1,3}(\.\d{1,3}){3}$/.test(host)) return false;
  const bits = Number(cidr[2]);
  const base = toNumber(cidr[1]!);
  const address = toNumber(host);
  if (base === undefined || address === undefined || bits > 32) return false;
  const size = 2 ** (32 - bits);
  return Math.floor(address / size) === Math.floor(base / size);
}

/** Does a NO_PROXY value list host (any port)? The same matcher our own requests use, so the two agree. */
export function noProxyCovers(host: string, noProxy: string): boolean {
  const bare = unbracket(host);
  return noProxyMatches(new URL(`http://${isIP(bare) === 6 ? `[${bare}]` : bare}`), noProxy, {
    anyPort: true,
  });
}

/**
 * Our own requests never go through a proxy for loopback, but the job's tests will (Python httpx, requests,
 * curl honour HTTP_PROXY): warn when a proxy variable would capture the server's address.
 */
export function proxyWarnings(
  endpoints: readonly EndpointSpec[],
  env: Record<string, string | undefined>,
): Text[] {
  if (!PROXY_VARIABLES.some((name) => env[name])) return [];
  // An empty lower-case variable does not hide the upper-case one (Python's rule: `no_proxy or NO_PROXY`).
  const noProxy = env.no_proxy || env.NO_PROXY || '';
  const warnings: Text[] = [];
  for (const endpoint of endpoints) {
    if (!isLoopbackHost(endpoint.host)) continue;
    // The same matcher our own requests use, so the warning and the routing agree.
    if (!noProxyMatches(new URL(endpoint.root), noProxy)) {
      warnings.push(
        text`A proxy variable is set and NO_PROXY does not list ${endpoint.host}: Python (httpx, requests) and curl clients in your tests will send requests for ${endpoint.root} to the proxy. Set NO_PROXY=localhost,127.0.0.1,::1.`,
      );
    }
  }
  return warnings;
}
