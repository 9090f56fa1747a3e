import type { Dispatcher } from 'undici';
import type { ProxyChoice } from './proxy-env.js';
import { Agent, ProxyAgent, type buildConnector } from './undici.js';

/**
 * Each endpoint sends one request at a time, so a few sockets per origin cover endpoints that share one; the
 * cap keeps a hostile server from making us hold many.
 */
const CONNECTIONS_PER_ORIGIN = 4;
/**
 * Longer than the widest gap between polls (engine/backoff.ts), so consecutive polls reuse one socket;
 * shorter than the usual server keep-alive (5 s), so we do not send on a socket the server is closing.
 */
const KEEP_ALIVE_MS = 2_000;

/**
 * A proxy variable undici cannot use (socks4://, a typo) fails every request to this host. It carries
 * undici's own code for a proxy that could not be used, so diagnosis sees it as the proxy problem it is.
 */
export type UnusableProxyError = Error & { code: 'UND_ERR_PRX_CONN' };

export type DispatcherChoice = { dispatcher: Dispatcher } | { unusableProxy: UnusableProxyError };

export interface Dispatchers {
  /** Direct, or the ProxyAgent for this proxy URL (one per URL, made on first use). */
  choose(proxy: ProxyChoice | undefined): DispatcherChoice;
  close(): Promise<void>;
}

/**
 * A prober's own connection pools: never the global dispatcher, so nothing a user's environment installed
 * changes how we connect.
 */
export function createDispatchers(connect: buildConnector.connector): Dispatchers {
  const agentOptions = {
    connect,
    connections: CONNECTIONS_PER_ORIGIN,
    allowH2: false,
    keepAliveTimeout: KEEP_ALIVE_MS,
  };
  const direct = new Agent(agentOptions);
  const proxies = new Map<string, Dispatcher>();
  const choose = (proxy: ProxyChoice | undefined): DispatcherChoice => {
    if (!proxy) return { dispatcher: direct };
    let dispatcher = proxies.get(proxy.url);
    if (!dispatcher) {
      try {
        dispatcher = new ProxyAgent({ uri: proxy.url, ...agentOptions });
      } catch (error) {
        return { unusableProxy: unusableProxyError(proxy, error) };
      }
      proxies.set(proxy.url, dispatcher);
    }
    return { dispatcher };
  };
  return {
    choose,
    async close() {
      await Promise.allSettled([direct.destroy(), ...[...proxies.values()].map((d) => d.destroy())]);
    },
  };
}

function unusableProxyError(proxy: ProxyChoice, error: unknown): UnusableProxyError {
  const reason = error instanceof Error ? error.message : String(error);
  return Object.assign(new Error(`${proxy.variable} is not a usable proxy URL: ${reason}`), {
    code: 'UND_ERR_PRX_CONN' as const,
  });
}
