import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { parseInputs } from '../../src/config/schema.js';
import { preflight } from '../../src/engine/preflight.js';
import { closedPort } from '../support/fake-server.js';

// A vLLM-like server: nothing listens until the model is in, then it serves at once.
function listenLater(port: number, afterMs: number) {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ object: 'list', data: [{ id: 'm', object: 'model', owned_by: 'vllm' }] }));
  });
  const timer = setTimeout(() => server.listen(port, '127.0.0.1'), afterMs);
  return {
    requests,
    [Symbol.asyncDispose]: async () => {
      clearTimeout(timer);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('while connections are refused', () => {
  it('watches the port with bare TCP connects, not HTTP polls, and asks over HTTP once one is accepted', async () => {
    const port = await closedPort();
    await using server = listenLater(port, 1_500);
    const parsed = parseInputs({ 'base-url': `http://127.0.0.1:${port}`, timeout: '20s', server: 'openai' });
    if (!parsed.ok) throw new Error('bad inputs');
    const result = await preflight(parsed.config, { env: {} });
    expect(result.ready).toBe(true);
    const refused = result.endpoints[0]!.timeline.filter(
      (e) => e.kind === 'attempt' && e.result.kind === 'error' && e.result.code === 'ECONNREFUSED',
    );
    // HTTP polls 50 ms apart made ~30 refused attempts in 1.5 s; an HTTP attempt now comes only every
    // REFUSED_HTTP_EVERY_MS (1 s) while the TCP connects watch the port.
    expect(refused.length).toBeGreaterThanOrEqual(1);
    expect(refused.length).toBeLessThanOrEqual(3);
    expect(server.requests).toEqual(['/v1/models']);
  });
});
