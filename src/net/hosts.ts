/** Host names and addresses as URLs write them: the one place that knows about IPv6 brackets and loopback. */

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
