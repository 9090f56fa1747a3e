/** Host names and addresses as URLs write them: the one place that knows about IPv6 brackets and loopback. */
import { networkInterfaces } from 'node:os';

/** `[::1]` → `::1`: URL.hostname keeps the brackets of an IPv6 literal; sockets and comparisons want it bare. */
export function unbracket(host: string): string {
  return host.replace(/^\[|\]$/g, '');
}

/** The path of a URL; text that no longer parses as one (a redacted URL) is shown as it is, never thrown on. */
export function urlPath(url: string): string {
  return URL.canParse(url) ? new URL(url).pathname : url;
}

/** Hosts that name this machine: requests to them never go through a proxy. */
export function isLoopbackHost(host: string): boolean {
  const h = unbracket(host).toLowerCase();
  return (
    h === 'localhost' ||
    h.endsWith('.localhost') ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) ||
    h === '::1' ||
    h === '0:0:0:0:0:0:0:1' ||
    h === '0.0.0.0' ||
    h === '::'
  );
}

/** The addresses this machine's interfaces hold, bare (no brackets, no zone). */
function ownAddresses(): Set<string> {
  const found = new Set<string>();
  for (const list of Object.values(networkInterfaces())) {
    for (const info of list ?? []) found.add(info.address.toLowerCase().replace(/%.*$/, ''));
  }
  return found;
}

/** Loopback, or an address one of this machine's interfaces holds: a server there would be ours to find. */
export function isThisMachine(host: string): boolean {
  return isLoopbackHost(host) || ownAddresses().has(unbracket(host).toLowerCase());
}

/** base-url's root with another port (and host): the value to put in base-url, ending in /v1. */
export function baseUrlAt(root: string, at: { port?: number; host?: string }): string {
  const url = new URL(root);
  if (at.host !== undefined) url.hostname = at.host.includes(':') ? `[${unbracket(at.host)}]` : at.host;
  if (at.port !== undefined) url.port = String(at.port);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}/v1`;
}
