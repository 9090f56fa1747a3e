import { createServer } from 'node:http';
import type { Prober } from './probe.js';

const warmed = new WeakSet<Prober>();

/**
 * The first HTTP exchange of a process pays for compiling undici's parser and the code around it: 20–40 ms
 * measured (bench/, vLLM-like scenario), which would all land after the server is ready. While connections are
 * refused we have nothing else to do, so one exchange with a throwaway server of our own on 127.0.0.1 pays it
 * then. Loopback never goes through a proxy (net/proxy-env.ts), so nothing leaves the machine. Once per prober.
 */
export async function warmUpHttp(prober: Prober): Promise<void> {
  if (warmed.has(prober)) return;
  warmed.add(prober);
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"object":"list","data":[]}');
  });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
    });
    await prober.probe({
      method: 'GET',
      url: `http://127.0.0.1:${port}/v1/models`,
      timeoutMs: 1_000,
      maxBodyBytes: 1024,
    });
  } catch {
    // A machine where we cannot listen on loopback just pays the cost later.
  } finally {
    server.closeAllConnections();
    server.close();
  }
}
