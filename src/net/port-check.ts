import { unbracket } from './hosts.js';
import { connect } from 'node:net';

/**
 * Whether something already accepts connections on host:port. Used once, before `start` runs: a port that is
 * busy before our server exists belongs to someone else (often a server from an earlier step), and anything
 * answering there must not be mistaken for the server we are about to start.
 */
export async function isListening(host: string, port: number, timeoutMs: number): Promise<boolean> {
  const bare = unbracket(host);
  const addresses = bare === 'localhost' ? ['127.0.0.1', '::1'] : [bare];
  const results = await Promise.all(addresses.map((address) => tryConnect(address, port, timeoutMs)));
  return results.some(Boolean);
}

function tryConnect(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (listening: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(listening);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
